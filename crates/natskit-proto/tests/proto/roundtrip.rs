//! `decode(encode(op)) == op` for every operation of both directions, as proptest properties,
//! also when many ops share one stream that arrives in arbitrary pieces.

use bytes::{Bytes, BytesMut};
use natskit_proto::{
    ClientOp, ClientOpDecoder, ConnectInfo, HeaderMap, Msg, Pub, ServerInfo, ServerOp,
    ServerOpDecoder, Sub, Subject, WriteBuffer,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

fn subject() -> impl Strategy<Value = Subject> {
    "[A-Za-z0-9_$-]{1,8}(\\.[A-Za-z0-9_*>-]{1,8}){0,4}".prop_map(Subject::from)
}

fn token() -> impl Strategy<Value = Subject> {
    "[A-Za-z0-9_.-]{1,12}".prop_map(Subject::from)
}

fn payload() -> impl Strategy<Value = Bytes> {
    prop_oneof![
        vec(any::<u8>(), 0..64).prop_map(Bytes::from),
        // Large enough to be chained rather than copied by the WriteBuffer.
        vec(any::<u8>(), 8192..9000).prop_map(Bytes::from),
    ]
}

fn headers() -> impl Strategy<Value = HeaderMap> {
    let entry = ("[A-Za-z0-9-]{1,12}", "([!-~]([ -~]{0,16}[!-~])?)?");
    let status = option::of((
        100u16..1000,
        option::of("[A-Za-z]([A-Za-z ]{0,10}[A-Za-z])?"),
    ));
    (status, vec(entry, 0..5)).prop_map(|(status, entries)| {
        let mut map = HeaderMap::new();
        if let Some((code, description)) = status {
            map.set_status(code, description.as_deref())
                .expect("valid status");
        }
        for (name, value) in entries {
            map.append(name, value).expect("valid header");
        }
        map
    })
}

fn server_info() -> impl Strategy<Value = ServerInfo> {
    (
        "[A-Z0-9]{0,20}",
        any::<bool>(),
        1usize..(64 << 20),
        vec("[a-z0-9.]{1,10}:[0-9]{1,5}", 0..3),
        any::<bool>(),
        "[A-Za-z0-9_-]{0,12}",
        any::<u16>(),
    )
        .prop_map(
            |(server_id, headers, max_payload, connect_urls, ldm, nonce, port)| {
                let mut info = ServerInfo::default();
                info.server_id = server_id;
                info.headers = headers;
                info.max_payload = max_payload;
                info.connect_urls = connect_urls;
                info.lame_duck_mode = ldm;
                info.nonce = nonce;
                info.port = port;
                info.proto = 1;
                info
            },
        )
}

fn connect_info() -> impl Strategy<Value = ConnectInfo> {
    (
        any::<(bool, bool, bool, bool)>(),
        option::of("[ -~]{0,12}"),
        option::of("[ -~]{0,12}"),
        option::of("\\PC{0,12}"),
    )
        .prop_map(|((verbose, pedantic, echo, headers), user, pass, name)| {
            let mut connect = ConnectInfo::new("x");
            connect.verbose = verbose;
            connect.pedantic = pedantic;
            connect.echo = echo;
            connect.headers = headers;
            connect.no_responders = headers;
            connect.user = user;
            connect.pass = pass;
            connect.name = name;
            connect
        })
}

fn server_op() -> impl Strategy<Value = ServerOp> {
    prop_oneof![
        server_info().prop_map(|i| ServerOp::Info(Box::new(i))),
        (
            subject(),
            any::<u64>(),
            option::of(subject()),
            option::of(headers()),
            payload()
        )
            .prop_map(
                |(subject, sid, reply, headers, payload)| ServerOp::Msg(Msg::new(
                    &subject,
                    sid,
                    reply.as_deref(),
                    headers,
                    &payload
                ))
            ),
        Just(ServerOp::Ping),
        Just(ServerOp::Pong),
        Just(ServerOp::Ok),
        "[A-Za-z0-9]([A-Za-z0-9 :]{0,30}[A-Za-z0-9])?".prop_map(ServerOp::Err),
    ]
}

fn client_op() -> impl Strategy<Value = ClientOp> {
    prop_oneof![
        connect_info().prop_map(|c| ClientOp::Connect(Box::new(c))),
        (
            subject(),
            option::of(subject()),
            option::of(headers()),
            payload()
        )
            .prop_map(|(subject, reply, headers, payload)| ClientOp::Pub(Pub {
                subject,
                reply,
                headers,
                payload
            })),
        (subject(), option::of(token()), any::<u64>()).prop_map(|(subject, queue, sid)| {
            ClientOp::Sub(Sub {
                subject,
                queue,
                sid,
            })
        }),
        (any::<u64>(), option::of(any::<u64>()))
            .prop_map(|(sid, max)| ClientOp::Unsub { sid, max }),
        Just(ClientOp::Ping),
        Just(ClientOp::Pong),
    ]
}

/// Cuts `bytes` at the given points (taken modulo its length) and feeds the pieces in order.
fn feed_in_pieces<T>(
    bytes: &[u8],
    cuts: &[usize],
    mut decode: impl FnMut(&mut BytesMut) -> Result<Option<T>, natskit_proto::ProtoError>,
) -> Vec<T> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.push(bytes.len());
    points.sort_unstable();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    let mut start = 0;
    for end in points {
        buf.extend_from_slice(&bytes[start..end]);
        start = end;
        while let Some(op) = decode(&mut buf).expect("encoded ops decode") {
            out.push(op);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn server_op_round_trips(op in server_op()) {
        let mut out = WriteBuffer::new();
        out.put_server_op(&op);
        let mut wire = BytesMut::from(&out.to_bytes()[..]);
        let decoded = ServerOpDecoder::new().decode(&mut wire).expect("decodes");
        prop_assert_eq!(decoded, Some(op));
        prop_assert!(wire.is_empty());
    }

    #[test]
    fn client_op_round_trips(op in client_op()) {
        let mut out = WriteBuffer::new();
        out.put_client_op(&op);
        let mut wire = BytesMut::from(&out.to_bytes()[..]);
        let decoded = ClientOpDecoder::with_limits(natskit_proto::Limits::default()).decode(&mut wire).expect("decodes");
        prop_assert_eq!(decoded, Some(op));
        prop_assert!(wire.is_empty());
    }

    #[test]
    fn server_op_streams_round_trip_in_any_pieces(ops in vec(server_op(), 1..12), cuts in vec(any::<usize>(), 0..8)) {
        let mut out = WriteBuffer::new();
        ops.iter().for_each(|op| out.put_server_op(op));
        let wire = out.to_bytes();
        let mut decoder = ServerOpDecoder::new();
        prop_assert_eq!(feed_in_pieces(&wire, &cuts, |b| decoder.decode(b)), ops);
    }

    #[test]
    fn client_op_streams_round_trip_in_any_pieces(ops in vec(client_op(), 1..12), cuts in vec(any::<usize>(), 0..8)) {
        let mut out = WriteBuffer::new();
        ops.iter().for_each(|op| out.put_client_op(op));
        let wire = out.to_bytes();
        let mut decoder = ClientOpDecoder::new();
        prop_assert_eq!(feed_in_pieces(&wire, &cuts, |b| decoder.decode(b)), ops);
    }

    #[test]
    fn header_maps_round_trip(map in headers()) {
        let mut wire = BytesMut::new();
        map.encode(&mut wire);
        prop_assert_eq!(wire.len(), map.encoded_len());
        prop_assert_eq!(HeaderMap::decode(&wire).expect("decodes"), map);
    }

    #[test]
    fn decoders_never_panic_on_arbitrary_bytes(input in vec(any::<u8>(), 0..512)) {
        let mut buf = BytesMut::from(&input[..]);
        let mut decoder = ServerOpDecoder::new();
        while let Ok(Some(_)) = decoder.decode(&mut buf) {}
        let mut buf = BytesMut::from(&input[..]);
        let mut decoder = ClientOpDecoder::new();
        while let Ok(Some(_)) = decoder.decode(&mut buf) {}
    }
}
