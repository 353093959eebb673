//! The read buffer of one connection, sized to its traffic: it starts small, doubles while
//! reads fill it, halves after a run of short reads, and goes back to its smallest size when
//! the connection idles, so thousands of quiet connections cost little while a busy publisher
//! still reads 64 KiB at a time (nats-server sizes its read buffers the same way).

use bytes::BytesMut;

/// What a new or idle connection reads into.
pub(crate) const READ_MIN: usize = 512;
/// The most one read asks for.
pub(crate) const READ_MAX: usize = 64 * 1024;
/// Reads that used less than half the room, in a row, before the room is halved.
const SHORT_READS_TO_SHRINK: u8 = 2;

/// Bytes read and not yet decoded, with room for the next read.
#[derive(Debug)]
pub(crate) struct ReadBuffer {
    buf: BytesMut,
    /// Room the next read gets.
    size: usize,
    /// The room the last read had.
    room: usize,
    short_reads: u8,
}

impl ReadBuffer {
    /// A small buffer.
    pub(crate) fn new() -> Self {
        ReadBuffer {
            buf: BytesMut::with_capacity(READ_MIN),
            size: READ_MIN,
            room: 0,
            short_reads: 0,
        }
    }

    /// The buffer to read into, with room for the next read made.
    pub(crate) fn for_read(&mut self) -> &mut BytesMut {
        let spare = self.buf.capacity() - self.buf.len();
        if spare < self.size / 2 {
            self.buf.reserve(self.size);
        }
        self.room = self.buf.capacity() - self.buf.len();
        &mut self.buf
    }

    /// After a read of `n` bytes: more room when it filled what it had, less after short ones.
    pub(crate) fn read(&mut self, n: usize) {
        if n >= self.room {
            self.short_reads = 0;
            self.size = (self.size * 2).min(READ_MAX);
        } else if n < self.room / 2 {
            self.short_reads = self.short_reads.saturating_add(1);
            if self.short_reads > SHORT_READS_TO_SHRINK && self.size > READ_MIN {
                self.short_reads = 0;
                self.size /= 2;
            }
        }
        // A buffer much larger than wanted is swapped for a small one once it is drained.
        if self.buf.is_empty() && self.buf.capacity() > 2 * self.size {
            self.buf = BytesMut::with_capacity(self.size);
        }
    }

    /// The bytes to decode.
    pub(crate) fn data(&mut self) -> &mut BytesMut {
        &mut self.buf
    }

    /// The connection went quiet: back to the smallest buffer, unless a partial operation waits.
    pub(crate) fn idle(&mut self) {
        self.size = READ_MIN;
        self.short_reads = 0;
        if self.buf.is_empty() && self.buf.capacity() > READ_MIN {
            self.buf = BytesMut::with_capacity(READ_MIN);
        }
    }

    /// Bytes held for reading, wanted or not: what the connection costs.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.buf.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(buffer: &mut ReadBuffer, n: usize) {
        let buf = buffer.for_read();
        let n = n.min(buf.capacity() - buf.len());
        buf.extend(std::iter::repeat_n(b'x', n));
        // Decoded whole, as the session does before the read is accounted.
        buffer.data().clear();
        buffer.read(n);
    }

    #[test]
    fn grows_while_reads_fill_it_and_shrinks_after_short_reads_and_when_idle() {
        let mut buffer = ReadBuffer::new();
        assert!(buffer.capacity() <= 2 * READ_MIN);
        for _ in 0..12 {
            fill(&mut buffer, usize::MAX);
        }
        assert_eq!(buffer.size, READ_MAX);
        assert!(buffer.capacity() >= READ_MAX / 2);
        for _ in 0..40 {
            fill(&mut buffer, 10);
        }
        assert_eq!(buffer.size, READ_MIN);
        assert!(buffer.capacity() <= 2 * READ_MIN);
        for _ in 0..12 {
            fill(&mut buffer, usize::MAX);
        }
        buffer.idle();
        assert!(buffer.capacity() <= READ_MIN);
    }

    #[test]
    fn a_partial_operation_survives_shrinking() {
        let mut buffer = ReadBuffer::new();
        for _ in 0..12 {
            fill(&mut buffer, usize::MAX);
        }
        buffer.for_read().extend_from_slice(b"PUB a 5\r\nhel");
        buffer.read(12);
        buffer.idle();
        assert_eq!(&buffer.data()[..], b"PUB a 5\r\nhel");
    }
}
