//! Helpers shared by the test modules.

use bytes::BytesMut;
use natskit_proto::{ClientOp, ClientOpDecoder, ProtoError, ServerOp, ServerOpDecoder};

/// Decodes every whole server op in `input`; the error, if one comes.
pub fn server_ops(input: &[u8]) -> Result<Vec<ServerOp>, ProtoError> {
    let mut decoder = ServerOpDecoder::new();
    let mut buf = BytesMut::from(input);
    drain_server(&mut decoder, &mut buf)
}

/// Decodes until the decoder wants more bytes.
pub fn drain_server(
    decoder: &mut ServerOpDecoder,
    buf: &mut BytesMut,
) -> Result<Vec<ServerOp>, ProtoError> {
    let mut ops = Vec::new();
    while let Some(op) = decoder.decode(buf)? {
        ops.push(op);
    }
    Ok(ops)
}

/// Decodes every whole client op in `input`.
pub fn client_ops(input: &[u8]) -> Result<Vec<ClientOp>, ProtoError> {
    let mut decoder = ClientOpDecoder::new();
    let mut buf = BytesMut::from(input);
    drain_client(&mut decoder, &mut buf)
}

/// Decodes until the decoder wants more bytes.
pub fn drain_client(
    decoder: &mut ClientOpDecoder,
    buf: &mut BytesMut,
) -> Result<Vec<ClientOp>, ProtoError> {
    let mut ops = Vec::new();
    while let Some(op) = decoder.decode(buf)? {
        ops.push(op);
    }
    Ok(ops)
}

/// The single server op in `input`, which must be whole and alone.
pub fn one_server_op(input: &[u8]) -> ServerOp {
    let ops = server_ops(input)
        .unwrap_or_else(|e| panic!("{:?} failed to decode: {e}", String::from_utf8_lossy(input)));
    assert_eq!(
        ops.len(),
        1,
        "expected one op from {:?}, got {ops:?}",
        String::from_utf8_lossy(input)
    );
    ops.into_iter().next().expect("one op")
}

/// The error `input` decodes to; fails the test if it decodes.
pub fn server_error(input: &[u8]) -> ProtoError {
    match server_ops(input) {
        Err(e) => e,
        Ok(ops) => panic!(
            "{:?} should be rejected, decoded {ops:?}",
            String::from_utf8_lossy(input)
        ),
    }
}
