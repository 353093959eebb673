//! Where the device's frames go: [`FrameSink`], drawn in a terminal ([`TerminalSink`]) or kept in
//! memory ([`MemorySink`]).

use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::led_matrix::{ansi, Matrix};

/// The device's display: it is handed every frame the matrix shows, in order.
///
/// ```
/// use natskit_ledmatrix::led_matrix::Matrix;
/// use natskit_ledmatrix::senseshow::FrameSink;
///
/// /// Counts frames and shows nothing.
/// struct Counter(usize);
///
/// impl FrameSink for Counter {
///     fn show(&mut self, _frame: &Matrix) -> std::io::Result<()> {
///         self.0 += 1;
///         Ok(())
///     }
/// }
/// ```
pub trait FrameSink: Send {
    /// Shows `frame`. It is called between frames of a scroll, so it should be quick.
    ///
    /// # Errors
    /// When the frame cannot be shown; the device stops the scroll and answers with the error.
    fn show(&mut self, frame: &Matrix) -> io::Result<()>;
}

/// Draws every frame in a terminal with 24-bit colours, each over the one before.
///
/// ```no_run
/// use natskit_ledmatrix::led_matrix::ScrollText;
/// use natskit_ledmatrix::senseshow::{FrameSink, TerminalSink};
///
/// let mut sink = TerminalSink::stdout();
/// for frame in ScrollText::new("Hi").frames() {
///     sink.show(&frame)?;
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct TerminalSink<W> {
    out: W,
    drawn: bool,
}

impl TerminalSink<io::Stdout> {
    /// Draws on standard output.
    ///
    /// ```
    /// let _sink = natskit_ledmatrix::senseshow::TerminalSink::stdout();
    /// ```
    pub fn stdout() -> TerminalSink<io::Stdout> {
        TerminalSink::new(io::stdout())
    }
}

impl<W: Write + Send> TerminalSink<W> {
    /// Draws on `out`.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::{ansi, Matrix};
    /// use natskit_ledmatrix::senseshow::{FrameSink, TerminalSink};
    ///
    /// let mut sink = TerminalSink::new(Vec::new());
    /// sink.show(&Matrix::new())?;
    /// sink.show(&Matrix::new())?;
    /// let drawn = String::from_utf8(sink.into_inner()).unwrap();
    /// let once = ansi::render(&Matrix::new());
    /// assert_eq!(drawn, format!("{once}{}{once}", ansi::CURSOR_UP));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(out: W) -> TerminalSink<W> {
        TerminalSink { out, drawn: false }
    }

    /// The writer, with everything drawn so far.
    ///
    /// ```
    /// let sink = natskit_ledmatrix::senseshow::TerminalSink::new(Vec::<u8>::new());
    /// assert!(sink.into_inner().is_empty());
    /// ```
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write + Send> FrameSink for TerminalSink<W> {
    fn show(&mut self, frame: &Matrix) -> io::Result<()> {
        if self.drawn {
            self.out.write_all(ansi::CURSOR_UP.as_bytes())?;
        }
        self.out.write_all(ansi::render(frame).as_bytes())?;
        self.out.flush()?;
        self.drawn = true;
        Ok(())
    }
}

/// Keeps every frame in memory, for tests; clones share the frames, so a test keeps one clone
/// and hands the other to the device.
///
/// It keeps everything it is shown: meant for tests, not for a device that runs for days.
///
/// ```
/// use natskit_ledmatrix::led_matrix::{Matrix, Rgb};
/// use natskit_ledmatrix::senseshow::{FrameSink, MemorySink};
///
/// let frames = MemorySink::new();
/// let mut sink = frames.clone();
/// sink.show(&Matrix::filled(Rgb::RED))?;
/// assert_eq!(frames.frames(), vec![Matrix::filled(Rgb::RED)]);
/// assert_eq!(frames.len(), 1);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemorySink {
    frames: Arc<Mutex<Vec<Matrix>>>,
}

impl MemorySink {
    /// An empty sink.
    ///
    /// ```
    /// assert!(natskit_ledmatrix::senseshow::MemorySink::new().is_empty());
    /// ```
    pub fn new() -> MemorySink {
        MemorySink::default()
    }

    /// Every frame shown so far, oldest first.
    ///
    /// ```
    /// assert!(natskit_ledmatrix::senseshow::MemorySink::new().frames().is_empty());
    /// ```
    pub fn frames(&self) -> Vec<Matrix> {
        self.lock().clone()
    }

    /// The last frame shown.
    ///
    /// ```
    /// assert_eq!(natskit_ledmatrix::senseshow::MemorySink::new().last(), None);
    /// ```
    pub fn last(&self) -> Option<Matrix> {
        self.lock().last().copied()
    }

    /// How many frames were shown.
    ///
    /// ```
    /// assert_eq!(natskit_ledmatrix::senseshow::MemorySink::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True before the first frame.
    ///
    /// ```
    /// assert!(natskit_ledmatrix::senseshow::MemorySink::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Matrix>> {
        // A panic while holding the lock cannot leave the Vec half-changed.
        natskit_proto::sync::lock(&self.frames)
    }
}

impl FrameSink for MemorySink {
    fn show(&mut self, frame: &Matrix) -> io::Result<()> {
        self.lock().push(*frame);
        Ok(())
    }
}
