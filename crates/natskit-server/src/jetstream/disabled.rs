//! The engine of an account without JetStream: it answers that account's `$JS.API` requests
//! with nats-server's "JetStream not enabled for account" (503, 10039), so its clients learn
//! why at once instead of waiting for a timeout.

use bytes::BytesMut;
use natskit_proto::{ServerOp, ServerOpDecoder};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::oneshot;

use super::api::errors::ApiError;
use super::engine::Engine;

/// The response type of the request on `subject` (`$JS.API.` taken off), when it has one.
fn response_kind(request: &str) -> Option<&'static str> {
    let tokens: Vec<&str> = request.split('.').collect();
    Some(match tokens.as_slice() {
        ["INFO"] => "account_info_response",
        ["STREAM", "CREATE", ..] => "stream_create_response",
        ["STREAM", "UPDATE", ..] => "stream_update_response",
        ["STREAM", "INFO", ..] => "stream_info_response",
        ["STREAM", "DELETE", ..] => "stream_delete_response",
        ["STREAM", "PURGE", ..] => "stream_purge_response",
        ["STREAM", "NAMES", ..] => "stream_names_response",
        ["STREAM", "LIST", ..] => "stream_list_response",
        ["STREAM", "MSG", "GET", ..] => "stream_msg_get_response",
        ["STREAM", "MSG", "DELETE", ..] => "stream_msg_delete_response",
        ["CONSUMER", "CREATE", ..] | ["CONSUMER", "DURABLE", "CREATE", ..] => {
            "consumer_create_response"
        }
        ["CONSUMER", "INFO", ..] => "consumer_info_response",
        ["CONSUMER", "DELETE", ..] => "consumer_delete_response",
        ["CONSUMER", "NAMES", ..] => "consumer_names_response",
        ["CONSUMER", "LIST", ..] => "consumer_list_response",
        _ => return None,
    })
}

impl Engine {
    /// Serves a disabled account until the connection closes.
    pub(crate) async fn serve_disabled(
        mut self,
        mut pipe: DuplexStream,
        mut ready: Option<oneshot::Sender<()>>,
    ) {
        self.out.put_raw(b"PING\r\n");
        let mut decoder = ServerOpDecoder::new();
        let mut buf = BytesMut::with_capacity(4096);
        loop {
            if !self.out.is_empty() {
                let bytes = self.out.to_bytes();
                if pipe.write_all(&bytes).await.is_err() {
                    return;
                }
            }
            match pipe.read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            loop {
                match decoder.decode(&mut buf) {
                    Ok(Some(ServerOp::Pong)) => {
                        let _ = ready.take().map(|r| r.send(()));
                    }
                    Ok(Some(ServerOp::Ping)) => self.out.put_raw(b"PONG\r\n"),
                    Ok(Some(ServerOp::Msg(msg))) => {
                        let request = msg.subject().strip_prefix("$JS.API.").unwrap_or("");
                        let reply = msg.reply();
                        if let Some(kind) = response_kind(request) {
                            self.fail(reply, kind, &ApiError::not_enabled_for_account());
                        }
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(_) => return,
                }
            }
        }
    }
}
