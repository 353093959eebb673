//! One connection's protocol logic: the operations a client sends, checked and carried out.
//! Pure of sockets: [`Session::handle`] takes the read buffer and returns whether the
//! connection goes on; everything to send goes through the [`Conn`] buffers.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::{Buf, Bytes, BytesMut};
use natskit_proto::subject::{matches_bytes, validate_publish_bytes, validate_subscribe_bytes};
use natskit_proto::{
    BrokerOp, BrokerOpDecoder, ClientOp, ConnectInfo, ProtoError, PubRef, Sub, WriteBuffer,
};

use crate::accounts::transform;
use crate::auth::{authorize_with_cert, no_auth_user, CertMap};
use crate::client::frame::Frame;
use crate::client::route_cache::RouteCache;
use crate::client::shared::{ClientMeta, Conn, Login, Queued, Slot, Subscription};
use crate::client::trace;
use crate::events;
use crate::operator::{JwtLogin, Origin, Trust};
use crate::options::{ServerOptions, User};
use crate::permissions::Permissions;
use crate::space::Space;
use crate::state::State;
use crate::sublist::Matches;
use crate::texts;
use crate::tls::TlsFiles;
use natskit_proto::sync::lock;

/// Deliveries of one publish from which it runs with [`tokio::task::block_in_place`]: 60,000
/// queue groups on one subject would otherwise keep one of the runtime's threads from
/// everyone else for the whole fan-out.
const LONG_FAN_OUT: usize = 4096;

/// The header block of a no-responders answer.
const NO_RESPONDERS: Bytes = Bytes::from_static(b"NATS/1.0 503\r\n\r\n");

/// Whether users come from client certificates, and the names in this connection's.
pub(crate) fn cert_map<'c>(tls: &TlsFiles, conn: &'c Conn) -> CertMap<'c> {
    match tls.map_users {
        true => CertMap::On(conn.cert.get()),
        false => CertMap::Off,
    }
}

/// The `no_auth_user` a CONNECT without credentials is taken as; as nats-server, none when
/// users come from client certificates.
pub(crate) fn anonymous<'o>(
    options: &'o ServerOptions,
    map: CertMap<'_>,
    connect: &ConnectInfo,
) -> Option<&'o User> {
    match map {
        CertMap::Off => no_auth_user(&options.auth, options.no_auth_user.as_deref(), connect),
        CertMap::On(_) => None,
    }
}

/// Why the connection ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Close {
    /// For logs.
    pub(crate) reason: String,
    /// The `-ERR` text sent first, if any.
    pub(crate) err: Option<&'static str>,
}

impl Close {
    /// Closing after `err`, which is also the reason logged.
    pub(crate) fn with_err(err: &'static str) -> Self {
        Close {
            reason: err.to_owned(),
            err: Some(err),
        }
    }
}

/// What CONNECT said, as far as message handling cares.
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    verbose: bool,
    pedantic: bool,
    echo: bool,
    no_responders: bool,
    headers: bool,
}

/// The protocol state of one client connection.
pub(crate) struct Session {
    state: Arc<State>,
    conn: Arc<Conn>,
    /// The account it is in: the global one until CONNECT says otherwise.
    space: Arc<Space>,
    decoder: BrokerOpDecoder,
    connected: bool,
    flags: Flags,
    cache: RouteCache,
    /// The publish being delivered, encoded once for all its subscribers (kept between
    /// publishes for its buffer).
    frame: Option<Box<Frame>>,
    /// Connections whose buffers went from empty to not empty during this batch: each gets one
    /// wake-up when the batch is done.
    touched: Vec<Arc<Conn>>,
    /// Connections more than half full after this batch: the reader pauses for them.
    stalled: Vec<Arc<Conn>>,
    /// A batch woke writers (see [`Self::take_woke`]).
    woke: bool,
    rng: u64,
    /// The nonce this connection's INFO carried (empty without NKey users).
    nonce: String,
    /// The connection's permissions as of [`Self::permissions_generation`] (a reload may
    /// change them; [`Self::handle`] looks once per batch).
    permissions: Option<Arc<Permissions>>,
    permissions_generation: u64,
    /// Most subscriptions (from the options when the connection started, and its JWT's
    /// limits); `None`: any number.
    max_subscriptions: Option<usize>,
    /// Largest message its user's and account's JWTs let it publish (`None`: the server's
    /// `max_payload` only, which the decoder enforces).
    max_payload: Option<usize>,
    /// When its JWT (or its account's) expires, in Unix seconds, and the `-ERR` then.
    expiry: Option<(i64, &'static str)>,
    /// The JWTs lowered `max_payload`: the first PONG is followed by an INFO saying so, as
    /// nats-server sends it.
    payload_info_due: bool,
    /// Unanswered PINGs after which the client is stale (idem).
    max_pings_outstanding: u32,
    /// Whether protocol trace lines are wanted (looked up once per read batch).
    trace: bool,
    /// Longest payload a trace line shows (0: all).
    max_traced: usize,
    pings_outstanding: u32,
    in_msgs: u64,
    in_bytes: u64,
    out_msgs: u64,
    out_bytes: u64,
}

impl Session {
    /// `nonce`: what this connection's INFO carried for NKey users to sign (or empty).
    pub(crate) fn new(state: Arc<State>, conn: Arc<Conn>, nonce: String) -> Self {
        let options = state.options();
        // CONNECT gets no longer line than anything else, as with nats-server.
        let limits = natskit_proto::Limits {
            max_control_line: options.limits.max_control_line,
            max_json_line: options.limits.max_control_line,
            max_payload: options.limits.max_payload,
        };
        Session {
            decoder: BrokerOpDecoder::with_limits(limits),
            connected: false,
            // Before CONNECT, nats-server acts as if verbose and pedantic were on.
            flags: Flags {
                verbose: true,
                pedantic: true,
                echo: true,
                no_responders: false,
                headers: false,
            },
            cache: RouteCache::new(state.global().generation()),
            frame: None,
            space: state.global().clone(),
            touched: Vec::new(),
            stalled: Vec::new(),
            woke: false,
            rng: rand::random::<u64>() | 1,
            nonce,
            permissions: None,
            permissions_generation: conn.permissions_generation(),
            max_subscriptions: (options.limits.max_subscriptions > 0)
                .then_some(options.limits.max_subscriptions),
            max_payload: None,
            expiry: None,
            payload_info_due: false,
            max_pings_outstanding: options.limits.max_pings_outstanding,
            trace: false,
            max_traced: options.max_traced_msg_len,
            pings_outstanding: 0,
            in_msgs: 0,
            in_bytes: 0,
            out_msgs: 0,
            out_bytes: 0,
            state,
            conn,
        }
    }

    /// Connections this connection's publishes filled past half their pending limit; the
    /// reader waits for them (boundedly) before reading more.
    pub(crate) fn take_stalled(&mut self) -> Vec<Arc<Conn>> {
        std::mem::take(&mut self.stalled)
    }

    /// When the connection's JWT login expires (Unix seconds) and the `-ERR` it gets then.
    pub(crate) fn expiry(&self) -> Option<(i64, &'static str)> {
        self.expiry
    }

    /// True once a valid CONNECT was received.
    pub(crate) fn is_connected(&self) -> bool {
        self.connected
    }

    /// Carries out every whole operation in `buf`.
    pub(crate) fn handle(&mut self, buf: &mut BytesMut) -> Result<(), Close> {
        self.conn.touch();
        let generation = self.conn.permissions_generation();
        if generation != self.permissions_generation {
            self.permissions = self.conn.permissions();
            self.permissions_generation = generation;
        }
        self.trace = trace::wanted();
        let result = self.handle_ops(buf);
        self.finish_batch();
        result
    }

    fn handle_ops(&mut self, buf: &mut BytesMut) -> Result<(), Close> {
        loop {
            // The fast path: whole publishes read where they lie, the buffer advanced once.
            let mut at = 0;
            while let Some((publish, len)) = self.decoder.decode_pub_in_place(&buf[at..]) {
                if self.trace {
                    trace::incoming_pub(&self.conn, publish, self.max_traced);
                }
                if let Err(close) = self.require_connect().and_then(|()| self.publish(publish)) {
                    buf.advance(at + len);
                    return Err(close);
                }
                at += len;
            }
            buf.advance(at);
            // Everything else, and the errors. Publishes are used where the decoder left them
            // (`ref`): moving the decoded operation into a local cost a 152-byte memcpy.
            match self.decoder.decode(buf) {
                Ok(Some(BrokerOp::Pub(ref publish))) => {
                    if self.trace {
                        trace::incoming_pub(&self.conn, publish.borrowed(), self.max_traced);
                    }
                    self.require_connect()?;
                    self.publish(publish.borrowed())?;
                }
                Ok(Some(op)) => {
                    if self.trace {
                        trace::incoming(&self.conn, &op, self.max_traced);
                    }
                    if !matches!(op, ClientOp::Connect(_)) {
                        self.require_connect()?;
                    }
                    self.other(op)?;
                }
                Ok(None) => return Ok(()),
                Err(e) => return Err(protocol_close(&e)),
            }
        }
    }

    /// nats-server wants CONNECT first when clients must authenticate.
    #[inline]
    fn require_connect(&self) -> Result<(), Close> {
        if !self.connected && self.state.options().auth_required() {
            return Err(Close::with_err(texts::AUTH_VIOLATION));
        }
        Ok(())
    }

    /// Everything but publishes, which [`Self::handle_ops`] carries out by reference before.
    fn other(&mut self, op: BrokerOp) -> Result<(), Close> {
        match op {
            ClientOp::Connect(connect) => self.connect(*connect)?,
            ClientOp::Sub(sub) => self.subscribe(sub),
            ClientOp::Unsub { sid, max } => self.unsubscribe(sid, max),
            ClientOp::Ping => {
                if self.trace {
                    trace::emit(&self.conn, format_args!("->> [PONG]"));
                }
                self.conn.send(|out| out.put_raw(b"PONG\r\n"));
                if std::mem::take(&mut self.payload_info_due) {
                    let mut info = self.state.info(&self.conn);
                    info.max_payload = self.max_payload.unwrap_or(info.max_payload);
                    self.conn.send(|out| out.put_info(&info));
                }
            }
            ClientOp::Pong => self.pings_outstanding = 0,
            ClientOp::Pub(publish) => self.publish(publish.borrowed())?,
        }
        Ok(())
    }

    /// A ping interval passed (`active`: the client sent something since the last one): PING
    /// the client, or close it when too many went unanswered.
    pub(crate) fn ping_tick(&mut self, active: bool) -> Result<(), Close> {
        // Like nats-server, traffic from the client since the last tick proves it alive.
        if active {
            self.pings_outstanding = 0;
            return Ok(());
        }
        if self.pings_outstanding >= self.max_pings_outstanding {
            return Err(Close::with_err(texts::STALE));
        }
        self.pings_outstanding += 1;
        if trace::wanted() {
            trace::emit(&self.conn, format_args!("->> [PING]"));
        }
        self.conn.send(|out| out.put_raw(b"PING\r\n"));
        Ok(())
    }

    fn ok(&self) {
        if self.flags.verbose {
            if self.trace {
                trace::emit(&self.conn, format_args!("->> [OK]"));
            }
            self.conn.send(|out| out.put_raw(b"+OK\r\n"));
        }
    }

    fn err(&self, text: &str) {
        if self.trace {
            trace::emit(&self.conn, format_args!("->> [-ERR {text}]"));
        }
        self.conn.send(|out| out.put_err(text));
    }

    fn connect(&mut self, connect: ConnectInfo) -> Result<(), Close> {
        if !(0..=1).contains(&connect.protocol) {
            return Err(Close::with_err(texts::BAD_PROTOCOL));
        }
        if connect.no_responders && !connect.headers {
            return Err(Close::with_err(texts::NO_RESPONDERS_NEEDS_HEADERS));
        }
        let options = self.state.options();
        let internal = self.conn.internal;
        let jwt_login = match &options.trust {
            Some(trust) if internal.is_none() => Some(self.admit_jwt(trust, &connect)?),
            _ => None,
        };
        let map = cert_map(&options.tls, &self.conn);
        let user = match (&jwt_login, anonymous(&options, map, &connect)) {
            _ if internal.is_some() => None,
            (Some(_), _) => None,
            (None, Some(user)) => Some(user),
            (None, None) => authorize_with_cert(&options.auth, &connect, &self.nonce, map)
                .map_err(|()| Close::with_err(texts::AUTH_VIOLATION))?,
        };
        let first_login = lock(&self.conn.login).is_none();
        self.flags = Flags {
            verbose: connect.verbose,
            pedantic: connect.pedantic,
            echo: connect.echo,
            no_responders: connect.no_responders,
            headers: connect.headers,
        };
        self.conn.headers.store(connect.headers, Ordering::Relaxed);
        let account = match &jwt_login {
            Some(login) => Some(login.account.as_str()),
            None => user.and_then(|u| u.account.as_deref()),
        };
        let index = match account {
            _ if internal.is_some() => internal,
            Some(name) => self.state.space_index(name),
            // The global account is the first space.
            None => Some(0),
        };
        let Some(index) = index else {
            // Checked at start: a user's account exists.
            return Err(Close::with_err(texts::AUTH_VIOLATION));
        };
        // A second CONNECT cannot move the connection: the first one's account stays.
        if self.conn.account.get().is_none() {
            let limit = jwt_login.as_ref().and_then(|l| l.max_account_connections);
            if !self.state.spaces[index].join(limit) {
                return Err(Close::with_err(texts::MAX_ACCOUNT_CONNECTIONS));
            }
            // Only this session sets it, so it is still unset.
            let _ = self.conn.account.set(index);
            self.space = self.state.spaces[index].clone();
            self.cache.reset(self.space.generation());
        }
        // A second CONNECT cannot change them: the first one's stay (and its credentials are
        // the ones a reload checks).
        if first_login {
            if let Some(login) = &jwt_login {
                self.apply_jwt_limits(login, connect.protocol);
            }
            let permissions = match &jwt_login {
                Some(login) => login.permissions.clone(),
                None => user.and_then(|u| u.permissions.clone()),
            };
            if permissions.is_some() {
                self.conn.set_permissions(permissions.clone());
                self.permissions_generation = self.conn.permissions_generation();
                self.permissions = permissions;
            }
            *lock(&self.conn.login) = Some(Login {
                connect: connect.clone(),
                nonce: self.nonce.clone(),
            });
        }
        *lock(&self.conn.meta) = ClientMeta {
            name: connect.name.unwrap_or_default(),
            lang: connect.lang,
            version: connect.version,
            user: match &jwt_login {
                Some(login) => login.user.clone(),
                None => user.map(|u| u.name.clone()).unwrap_or_default(),
            },
        };
        let first = !self.connected;
        self.connected = true;
        self.ok();
        if first {
            events::connected(&self.state, &self.conn);
        }
        Ok(())
    }

    /// Checks a CONNECT's user JWT against the operator's accounts (see
    /// [`Trust::authorize`]); a refusal closes with `Authorization Violation`.
    fn admit_jwt(&self, trust: &Trust, connect: &ConnectInfo) -> Result<JwtLogin, Close> {
        let origin = Origin {
            ip: self.conn.peer.map(|p| p.ip()),
            websocket: self.conn.websocket,
        };
        trust
            .authorize(connect, &self.nonce, crate::jwt::now(), origin)
            .map_err(|reason| {
                tracing::debug!("{} - {reason}", self.conn.label());
                Close::with_err(texts::AUTH_VIOLATION)
            })
    }

    /// The limits a JWT login brings: payload, subscriptions (the smaller of the server's and
    /// the JWTs'), and when it expires.
    fn apply_jwt_limits(&mut self, login: &JwtLogin, protocol: i32) {
        // The server's own limit is the decoder's to enforce.
        let server_max = self.state.options().limits.max_payload;
        self.max_payload = login.max_payload.filter(|&max| max < server_max);
        self.payload_info_due = self.max_payload.is_some() && protocol >= 1;
        self.max_subscriptions = match (self.max_subscriptions, login.max_subscriptions) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let user = (login.user_expires > 0).then_some((login.user_expires, texts::USER_EXPIRED));
        let account =
            (login.account_expires > 0).then_some((login.account_expires, texts::ACCOUNT_EXPIRED));
        self.expiry = match (user, account) {
            (Some(u), Some(a)) => Some(if a.0 < u.0 { a } else { u }),
            (u, a) => u.or(a),
        };
    }

    fn publish(&mut self, publish: PubRef<'_>) -> Result<(), Close> {
        if self.max_payload.is_some_and(|max| publish.data.len() > max) {
            return Err(Close::with_err(texts::MAX_PAYLOAD));
        }
        if publish.header_len.is_some() && !self.flags.headers {
            return Err(Close {
                reason: "HPUB from a client that did not announce headers".into(),
                err: None,
            });
        }
        // nats-server complains in pedantic mode, then routes the message all the same.
        if self.flags.pedantic && validate_publish_bytes(publish.subject).is_err() {
            self.err(texts::INVALID_PUBLISH_SUBJECT);
        }
        if let Some(permissions) = &self.permissions {
            let answer = |limits| self.conn.answer_reply(publish.subject, limits);
            let permitted = permissions.permits_publish(publish.subject)
                || permissions.responses.as_ref().is_some_and(answer);
            if !permitted {
                // nats-server drops the message, says why, and keeps the connection.
                self.err(&texts::publish_violation(publish.subject));
                return Ok(());
            }
        }
        self.in_msgs += 1;
        self.in_bytes += publish.data.len() as u64;
        // nats-server acknowledges before it delivers (even to the publisher itself).
        self.ok();
        self.route(publish);
        Ok(())
    }

    fn subscribe(&mut self, sub: Sub<Bytes, Bytes>) {
        // nats-server checks the subject only; any queue name goes.
        if validate_subscribe_bytes(&sub.subject).is_err() {
            self.err(texts::INVALID_SUBJECT);
            return;
        }
        if let Some(permissions) = &self.permissions {
            if !permissions.subscribe.permits(&sub.subject) {
                self.err(&texts::subscribe_violation(
                    &sub.subject,
                    sub.queue.as_deref(),
                ));
                return;
            }
        }
        let max = self.max_subscriptions;
        {
            let subs = lock(&self.conn.subs);
            if subs.contains(&sub.sid[..]) {
                drop(subs);
                self.ok(); // nats-server keeps the first subscription of a sid
                return;
            }
            if max.is_some_and(|max| subs.len() >= max) {
                drop(subs);
                self.err(texts::MAX_SUBSCRIPTIONS);
                return;
            }
        }
        let sub = Subscription::new(self.conn.clone(), sub.sid, sub.subject, sub.queue);
        self.state.add_subscription(Arc::new(sub));
        self.ok();
    }

    /// `max` of `Some(0)`: at once (what the decoder makes of a max nats-server reads as none).
    fn unsubscribe(&mut self, sid: Bytes, max: Option<u64>) {
        let sub = lock(&self.conn.subs).get(&sid[..]).map(|s| s.0.clone());
        if let Some(sub) = sub {
            match max {
                Some(max) if sub.limit(max) => {}
                _ => {
                    if self.trace {
                        let sid = String::from_utf8_lossy(&sid);
                        trace::emit(&self.conn, format_args!("<-> [DELSUB {sid}]"));
                    }
                    self.state.remove_subscription(&sub)
                }
            }
        }
        self.ok();
    }

    /// Delivers a publish to every plain subscriber and one member of each queue group.
    fn route(&mut self, publish: PubRef<'_>) {
        let found = self.cache.lookup(&self.space, publish.subject);
        // Taken out while the session delivers (a pointer's move, where the frame is not small).
        let mut frame = self.frame.take().unwrap_or_default();
        self.route_to(publish, &found, &mut frame);
        self.frame = Some(frame);
        self.cache.give_back(found);
    }

    /// [`Self::route`] to the subscribers `found`, the message encoded in `frame`.
    #[inline]
    fn route_to(&mut self, publish: PubRef<'_>, found: &Matches, frame: &mut Frame) {
        // Small payloads are copied into each subscriber's output, from a frame encoded once;
        // a large one is copied out of the read buffer once and then queued by reference.
        let large = publish.data.len() >= natskit_proto::encode::DEFAULT_COPY_THRESHOLD;
        let (data, frame) = if found.is_empty() {
            (Data::Borrowed(publish.data), None)
        } else if large {
            (Data::Shared(Bytes::copy_from_slice(publish.data)), None)
        } else {
            let first = found
                .plain
                .first()
                .or_else(|| found.queues.first()?.1.first());
            frame.encode(
                publish.subject,
                publish.reply,
                publish.header_len,
                publish.data,
                first.map_or(&b""[..], |sub| &sub.sid),
            );
            (Data::Borrowed(publish.data), Some(&*frame))
        };
        let message = Message {
            subject: publish.subject,
            reply: publish.reply,
            header_len: publish.header_len,
            data,
            frame,
        };
        if found.weight() >= LONG_FAN_OUT && may_block_in_place() {
            // Tens of milliseconds on this thread: tokio hands its other tasks and its turn at
            // polling the sockets to another thread meanwhile, so other clients are served.
            tokio::task::block_in_place(|| self.fan_out(found, &message));
        } else {
            self.fan_out(found, &message);
        }
        // Into other accounts, through their imports: rare, so one test on the way.
        let crossed = self.space.crosses && self.cross(&message);
        if found.is_empty() && !crossed && self.flags.no_responders {
            if let Some(reply) = publish.reply {
                self.no_responders(reply);
            }
        }
    }

    /// Delivers `message` into the accounts that import it, as stream imports, service
    /// imports (with a one-time reply subject the answer comes back on) and answers owed to
    /// another account's requester; true when anyone there listened.
    #[cold]
    fn cross(&mut self, message: &Message<'_>) -> bool {
        let space = self.space.clone();
        let mut listened = false;
        for route in &space.streams {
            if matches_bytes(route.from.as_bytes(), message.subject) {
                let subject = transform(&route.from, &route.to, message.subject);
                listened |= self.deliver_in(route.target, &subject, message.reply, message);
            }
        }
        for route in &space.services {
            if matches_bytes(route.from.as_bytes(), message.subject) {
                let subject = transform(&route.from, &route.to, message.subject);
                let target = self.state.spaces[route.target].clone();
                let reply = message
                    .reply
                    .and_then(|r| target.owe_answer(space.index, r));
                listened |= self.deliver_in(route.target, &subject, reply.as_deref(), message);
            }
        }
        if let Some(owed) = space.take_answer(message.subject) {
            listened |= self.deliver_in(owed.space, &owed.reply, None, message);
        }
        listened
    }

    /// Delivers `message`'s data in space `target`, on `subject` with `reply`.
    fn deliver_in(
        &mut self,
        target: usize,
        subject: &[u8],
        reply: Option<&[u8]>,
        message: &Message<'_>,
    ) -> bool {
        let found = self.state.spaces[target].with_sublist(|s| s.matches(subject));
        let moved = Message {
            subject,
            reply,
            header_len: message.header_len,
            data: message.data.again(),
            frame: None,
        };
        self.fan_out(&found, &moved);
        !found.is_empty()
    }

    /// Queues `message` for every plain subscriber and one member of each queue group.
    fn fan_out(&mut self, found: &Matches, message: &Message<'_>) {
        for sub in &found.plain {
            if self.flags.echo || !Arc::ptr_eq(&sub.conn, &self.conn) {
                self.deliver(sub, message);
            }
        }
        for (_, members) in &found.queues {
            // Start at a random member; move on past members that cannot take it.
            let start = (self.next_random() % members.len() as u64) as usize;
            for i in 0..members.len() {
                let sub = &members[(start + i) % members.len()];
                if !self.flags.echo && Arc::ptr_eq(&sub.conn, &self.conn) {
                    continue;
                }
                if self.deliver(sub, message) {
                    break;
                }
            }
        }
    }

    /// Queues one message for `sub`; false when it could not take it.
    #[inline]
    fn deliver(&mut self, sub: &Arc<Subscription>, message: &Message<'_>) -> bool {
        // A wildcard subscription the user was allowed still gets nothing on a denied subject.
        if let Some(permissions) = sub.conn.permissions() {
            if permissions.subscribe.denies(message.subject) {
                return false;
            }
            // `allow_responses`: the receiver may answer on the reply subject from now on.
            if let (Some(limits), Some(reply)) = (&permissions.responses, message.reply) {
                if !permissions.permits_publish(reply) {
                    sub.conn.owe_reply(reply, limits);
                }
            }
        }
        let data_len = message.data.len();
        let size = data_len
            + message.subject.len()
            + sub.sid.len()
            + message.reply.map_or(0, <[u8]>::len)
            + 48;
        // A header block goes to clients that understand HMSG; others get the payload alone,
        // and an empty block makes a plain MSG, as with nats-server.
        let (header_len, skip) = match message.header_len {
            Some(len) if len > 0 && !sub.conn.headers.load(Ordering::Relaxed) => (None, len),
            Some(0) => (None, 0),
            header_len => (header_len, 0),
        };
        let (slot, queued) = sub
            .conn
            .deliver_msg(sub, size, data_len, |out| match message.frame {
                // The frame has the header block as sent; a subscriber without headers needs another.
                Some(frame) if skip == 0 => frame.put(out, &sub.sid, message.data.borrowed()),
                _ => message.put(out, &sub.sid, header_len, skip),
            });
        if matches!(slot, Slot::Last | Slot::Exhausted) {
            self.state.remove_subscription(sub);
        }
        let Some(queued) = queued else {
            return false; // Closed, or past its limit.
        };
        match queued {
            Queued::First => self.touched.push(sub.conn.clone()),
            Queued::Behind => {}
            Queued::Stall => {
                if !self.stalled.iter().any(|c| Arc::ptr_eq(c, &sub.conn)) {
                    self.stalled.push(sub.conn.clone());
                }
            }
            Queued::Closed => return false,
            Queued::SlowConsumer => {
                self.state
                    .counters
                    .slow_consumers
                    .fetch_add(1, Ordering::Relaxed);
                tracing::info!(
                    "{} - Slow Consumer Detected: MaxPending of {} Exceeded",
                    sub.conn.label(),
                    self.state.options().limits.max_pending
                );
                return false;
            }
        }
        if self.trace {
            trace::outgoing_msg(
                &sub.conn,
                message.subject,
                &sub.sid,
                message.reply,
                header_len,
                data_len - skip,
            );
        }
        self.out_msgs += 1;
        self.out_bytes += data_len as u64;
        true
    }

    /// A request nobody listens to: the 503 status to the requester's own reply subscription,
    /// found through the index as nats-server does (not by a walk of the requester's own
    /// subscriptions, which may be a million).
    fn no_responders(&mut self, reply: &[u8]) {
        let sub = self.space.with_sublist(|s| s.plain_of(&self.conn, reply));
        if let Some(sub) = sub {
            if self.trace {
                let size = NO_RESPONDERS.len();
                trace::outgoing_msg(&self.conn, reply, &sub.sid, None, Some(size), size);
            }
            self.conn.send(|out| {
                out.put_msg_raw(
                    reply,
                    &sub.sid,
                    None,
                    Some(NO_RESPONDERS.len()),
                    &NO_RESPONDERS,
                )
            });
        }
    }

    /// Adds up the counters, and wakes the writers of every connection this batch queued for.
    fn finish_batch(&mut self) {
        if self.in_msgs > 0 {
            let counters = &self.state.counters;
            counters.in_msgs.fetch_add(self.in_msgs, Ordering::Relaxed);
            counters
                .in_bytes
                .fetch_add(self.in_bytes, Ordering::Relaxed);
            let mine = &self.conn.counters;
            mine.in_msgs.fetch_add(self.in_msgs, Ordering::Relaxed);
            mine.in_bytes.fetch_add(self.in_bytes, Ordering::Relaxed);
            self.in_msgs = 0;
            self.in_bytes = 0;
        }
        if self.out_msgs > 0 {
            let counters = &self.state.counters;
            counters
                .out_msgs
                .fetch_add(self.out_msgs, Ordering::Relaxed);
            counters
                .out_bytes
                .fetch_add(self.out_bytes, Ordering::Relaxed);
            self.out_msgs = 0;
            self.out_bytes = 0;
        }
        // Counted before anyone is woken, so a receiver never sees a message not yet counted.
        self.woke |= !self.touched.is_empty();
        for conn in self.touched.drain(..) {
            conn.wake();
        }
    }

    /// Whether batches since the last call woke any writer (see [`crate::client::io`]).
    pub(crate) fn take_woke(&mut self) -> bool {
        std::mem::take(&mut self.woke)
    }

    /// xorshift64: cheap, and good enough to spread a queue group's load.
    fn next_random(&mut self) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng
    }
}

/// True on a multi-threaded tokio runtime, the only kind where
/// [`tokio::task::block_in_place`] may be called (an embedding program may run the broker on a
/// current-thread one).
fn may_block_in_place() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
}

/// The largest size argument nats-server parses (9 digits).
const MAX_SIZE_ARGUMENT: usize = 999_999_999;

/// How nats-server answers a frame it cannot decode: some errors have a text, malformed
/// arguments and JSON close the connection silently.
fn protocol_close(error: &ProtoError) -> Close {
    let err = match error {
        ProtoError::UnknownOperation { .. } | ProtoError::MissingPayloadTerminator { .. } => {
            Some(texts::UNKNOWN_OP)
        }
        ProtoError::ControlLineTooLong { .. } => Some(texts::MAX_CONTROL_LINE),
        // nats-server reads at most 9 digits of a size: a longer one is a malformed argument.
        ProtoError::PayloadTooLarge { size, .. } if *size > MAX_SIZE_ARGUMENT => None,
        ProtoError::PayloadTooLarge { .. } => Some(texts::MAX_PAYLOAD),
        _ => None,
    };
    Close {
        reason: format!("protocol error: {error}"),
        err,
    }
}

/// A publish on its way to subscribers.
struct Message<'a> {
    subject: &'a [u8],
    reply: Option<&'a [u8]>,
    header_len: Option<usize>,
    data: Data<'a>,
    /// The message encoded but for the sid, for subscribers that take its header block as is.
    frame: Option<&'a Frame>,
}

/// Header block and payload of a [`Message`].
enum Data<'a> {
    /// Still in the publisher's read buffer: copied into each subscriber's output.
    Borrowed(&'a [u8]),
    /// Copied out once (large payloads), then queued by reference.
    Shared(Bytes),
}

impl Data<'_> {
    /// The same data, for one more message.
    fn again(&self) -> Data<'_> {
        match self {
            Data::Borrowed(data) => Data::Borrowed(data),
            Data::Shared(data) => Data::Shared(data.clone()),
        }
    }

    fn len(&self) -> usize {
        match self {
            Data::Borrowed(data) => data.len(),
            Data::Shared(data) => data.len(),
        }
    }

    /// The bytes, wherever they are.
    #[inline]
    fn borrowed(&self) -> &[u8] {
        match self {
            Data::Borrowed(data) => data,
            Data::Shared(data) => data,
        }
    }
}

impl Message<'_> {
    /// Writes the message for subscription `sid`, leaving out the first `skip` bytes of the
    /// data (a header block the subscriber cannot take).
    #[inline]
    fn put(&self, out: &mut WriteBuffer, sid: &[u8], header_len: Option<usize>, skip: usize) {
        match &self.data {
            Data::Borrowed(data) => {
                out.put_msg_slice(self.subject, sid, self.reply, header_len, &data[skip..])
            }
            Data::Shared(data) if skip == 0 => {
                out.put_msg_raw(self.subject, sid, self.reply, header_len, data)
            }
            Data::Shared(data) => out.put_msg_raw(
                self.subject,
                sid,
                self.reply,
                header_len,
                &data.slice(skip..),
            ),
        }
    }
}
