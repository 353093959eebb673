//! [`Device`]: the matrix, its display, and what each command does to them.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use super::{Command, FrameSink, PngRequest, Show};
use crate::led_matrix::{png_file, Matrix, OutOfRange, PngStyle, Rgb, ScrollText};

/// The time between frames of a scroll unless set: a tenth of a second, the Sense HAT's default.
///
/// ```
/// assert_eq!(natskit_ledmatrix::senseshow::DEFAULT_FRAME_DELAY.as_millis(), 100);
/// ```
pub const DEFAULT_FRAME_DELAY: Duration = Duration::from_millis(100);

/// How the device works: where frames go, how fast text scrolls, where PNG files are written.
///
/// ```
/// use std::time::Duration;
///
/// use natskit_ledmatrix::senseshow::{MemorySink, ServeOptions};
///
/// let options = ServeOptions::new(MemorySink::new())
///     .frame_delay(Duration::ZERO)
///     .png_dir(std::env::temp_dir());
/// ```
pub struct ServeOptions {
    pub(crate) sink: Box<dyn FrameSink>,
    pub(crate) frame_delay: Duration,
    pub(crate) png_dir: PathBuf,
    pub(crate) png_style: PngStyle,
}

impl ServeOptions {
    /// Frames go to `sink`; text scrolls at [`DEFAULT_FRAME_DELAY`]; PNG files are written in the
    /// current directory with [`PngStyle::default`].
    ///
    /// ```
    /// use natskit_ledmatrix::senseshow::{ServeOptions, TerminalSink};
    ///
    /// let options = ServeOptions::new(TerminalSink::stdout());
    /// ```
    pub fn new(sink: impl FrameSink + 'static) -> ServeOptions {
        ServeOptions {
            sink: Box::new(sink),
            frame_delay: DEFAULT_FRAME_DELAY,
            png_dir: PathBuf::from("."),
            png_style: PngStyle::default(),
        }
    }

    /// Time between frames of a scroll, unless a request asks for its own; zero shows the frames
    /// one after another without waiting (tests).
    ///
    /// ```
    /// use natskit_ledmatrix::senseshow::{MemorySink, ServeOptions};
    ///
    /// let options = ServeOptions::new(MemorySink::new()).frame_delay(std::time::Duration::ZERO);
    /// ```
    pub fn frame_delay(mut self, delay: Duration) -> ServeOptions {
        self.frame_delay = delay;
        self
    }

    /// The directory PNG requests write in; the file name a request gives is taken relative to it.
    /// Requests cannot name a path outside it by `..` or a root, but symbolic links inside it are
    /// followed, not guarded against.
    ///
    /// ```
    /// use natskit_ledmatrix::senseshow::{MemorySink, ServeOptions};
    ///
    /// let options = ServeOptions::new(MemorySink::new()).png_dir("/var/lib/senseshow");
    /// ```
    pub fn png_dir(mut self, dir: impl Into<PathBuf>) -> ServeOptions {
        self.png_dir = dir.into();
        self
    }

    /// How PNG pictures look.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::PngStyle;
    /// use natskit_ledmatrix::senseshow::{MemorySink, ServeOptions};
    ///
    /// let big = PngStyle { led_size: 32, ..PngStyle::default() };
    /// let options = ServeOptions::new(MemorySink::new()).png_style(big);
    /// ```
    pub fn png_style(mut self, style: PngStyle) -> ServeOptions {
        self.png_style = style;
        self
    }
}

impl std::fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeOptions")
            .field("frame_delay", &self.frame_delay)
            .field("png_dir", &self.png_dir)
            .field("png_style", &self.png_style)
            .finish_non_exhaustive()
    }
}

/// Why a command that was understood could not be carried out.
///
/// ```
/// use natskit_ledmatrix::senseshow::DeviceError;
///
/// let err = DeviceError::Display(std::io::Error::other("unplugged"));
/// assert_eq!(err.to_string(), "display: unplugged");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// The sink refused a frame.
    #[error("display: {0}")]
    Display(io::Error),
    /// The PNG file could not be written.
    #[error(transparent)]
    Png(#[from] png_file::PngError),
    /// A pixel outside the matrix (only a command built by hand can have one:
    /// [`Command::parse`] refuses them).
    #[error(transparent)]
    OutOfRange(#[from] OutOfRange),
}

/// The virtual Sense HAT: the matrix's state and the sink that shows it.
///
/// [`execute`](Self::execute) carries out one [`Command`] and says what to answer; the service
/// ([`Senseshow`](super::Senseshow)) calls it for one request at a time.
///
/// ```
/// use std::time::Duration;
///
/// use natskit_ledmatrix::led_matrix::{Matrix, Rgb};
/// use natskit_ledmatrix::senseshow::{Command, Device, MemorySink, ServeOptions, Show};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), natskit_ledmatrix::senseshow::DeviceError> {
/// let frames = MemorySink::new();
/// let mut device = Device::new(ServeOptions::new(frames.clone()).frame_delay(Duration::ZERO));
/// assert_eq!(device.execute(Command::Show(Show::new("Hi"))).await?, "done: Hi");
/// assert_eq!(frames.len(), 15);
/// assert_eq!(device.execute(Command::Fill(Rgb::RED)).await?, "done: fill [255,0,0]");
/// assert_eq!(*device.matrix(), Matrix::filled(Rgb::RED));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Device {
    matrix: Matrix,
    options: ServeOptions,
}

impl Device {
    /// A device with every LED off, working as `options` say.
    ///
    /// ```
    /// use natskit_ledmatrix::senseshow::{Device, MemorySink, ServeOptions};
    ///
    /// let device = Device::new(ServeOptions::new(MemorySink::new()));
    /// assert_eq!(device.matrix().lit_count(), 0);
    /// ```
    pub fn new(options: ServeOptions) -> Device {
        Device {
            matrix: Matrix::new(),
            options,
        }
    }

    /// What the matrix shows now.
    ///
    /// ```
    /// use natskit_ledmatrix::senseshow::{Device, MemorySink, ServeOptions};
    ///
    /// assert_eq!(Device::new(ServeOptions::new(MemorySink::new())).matrix().lit_count(), 0);
    /// ```
    pub fn matrix(&self) -> &Matrix {
        &self.matrix
    }

    /// Carries out `command` and returns the answer: `done: <text>` after a scroll, `done: clear`,
    /// `done: fill [r,g,b]`, `done: pixel (x, y) [r,g,b]`, and `done: <path>` with the path of
    /// the PNG file written.
    ///
    /// A scroll shows every frame with the frame delay between two frames, and returns after the
    /// last one; the matrix is then all background.
    ///
    /// # Errors
    /// [`DeviceError::Display`] when the sink refuses a frame (the scroll stops there),
    /// [`DeviceError::Png`] when the PNG file cannot be written, [`DeviceError::OutOfRange`] for a
    /// pixel outside the matrix.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::Rgb;
    /// use natskit_ledmatrix::senseshow::{Command, Device, MemorySink, ServeOptions};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), natskit_ledmatrix::senseshow::DeviceError> {
    /// let mut device = Device::new(ServeOptions::new(MemorySink::new()));
    /// let answer = device.execute(Command::Pixel { x: 1, y: 2, color: Rgb::GREEN }).await?;
    /// assert_eq!(answer, "done: pixel (1, 2) [0,255,0]");
    /// assert_eq!(device.matrix().pixel(1, 2), Some(Rgb::GREEN));
    /// # Ok(()) }
    /// ```
    pub async fn execute(&mut self, command: Command) -> Result<String, DeviceError> {
        match command {
            Command::Show(show) => self.show(show).await,
            Command::Clear => {
                self.matrix.clear();
                self.display()?;
                Ok("done: clear".to_string())
            }
            Command::Fill(color) => {
                self.matrix.fill(color);
                self.display()?;
                Ok(format!("done: fill {}", color_json(color)))
            }
            Command::Pixel { x, y, color } => {
                self.matrix.set_pixel(x, y, color)?;
                self.display()?;
                Ok(format!("done: pixel ({x}, {y}) {}", color_json(color)))
            }
            Command::Png(png) => self.png(png),
        }
    }

    async fn show(&mut self, show: Show) -> Result<String, DeviceError> {
        let scroll = scroll_of(&show);
        let delay = show.frame_delay.unwrap_or(self.options.frame_delay);
        for (k, frame) in scroll.frames().enumerate() {
            if k > 0 && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            self.matrix = frame;
            self.display()?;
        }
        Ok(format!("done: {}", show.text))
    }

    fn png(&self, png: PngRequest) -> Result<String, DeviceError> {
        let picture = match &png.text {
            Some(show) => scroll_of(show).still(),
            None => self.matrix,
        };
        let path = self.options.png_dir.join(&png.file);
        png_file::write(&picture, &path, self.options.png_style)?;
        Ok(format!("done: {}", path.display()))
    }

    fn display(&mut self) -> Result<(), DeviceError> {
        self.options
            .sink
            .show(&self.matrix)
            .map_err(DeviceError::Display)
    }
}

/// The scroll of `show`'s text in its colours.
fn scroll_of(show: &Show) -> ScrollText {
    ScrollText::new(&show.text)
        .color(show.color)
        .background(show.background)
}

fn color_json(color: Rgb) -> String {
    let [r, g, b] = color.channels();
    format!("[{r},{g},{b}]")
}
