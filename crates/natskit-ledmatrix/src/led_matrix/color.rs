//! [`Rgb`]: the colour of one LED.

use serde::{Deserialize, Serialize};

/// A 24-bit colour: red, green and blue, 0 to 255 each.
///
/// In JSON it is an array of three numbers, `[255, 0, 0]`, as the Sense HAT's Python API takes
/// colours.
///
/// ```
/// use natskit_ledmatrix::led_matrix::Rgb;
///
/// let orange = Rgb(255, 128, 0);
/// assert_eq!(serde_json::to_string(&orange).unwrap(), "[255,128,0]");
/// assert_eq!(serde_json::from_str::<Rgb>("[0,0,255]").unwrap(), Rgb::BLUE);
/// assert!(Rgb::OFF.is_off() && !orange.is_off());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// An unlit LED.
    ///
    /// ```
    /// assert_eq!(natskit_ledmatrix::led_matrix::Rgb::OFF.channels(), [0, 0, 0]);
    /// ```
    pub const OFF: Rgb = Rgb(0, 0, 0);
    /// Full white.
    ///
    /// ```
    /// assert_eq!(natskit_ledmatrix::led_matrix::Rgb::WHITE.channels(), [255, 255, 255]);
    /// ```
    pub const WHITE: Rgb = Rgb(255, 255, 255);
    /// Full red.
    ///
    /// ```
    /// assert_eq!(natskit_ledmatrix::led_matrix::Rgb::RED.channels(), [255, 0, 0]);
    /// ```
    pub const RED: Rgb = Rgb(255, 0, 0);
    /// Full green.
    ///
    /// ```
    /// assert_eq!(natskit_ledmatrix::led_matrix::Rgb::GREEN.channels(), [0, 255, 0]);
    /// ```
    pub const GREEN: Rgb = Rgb(0, 255, 0);
    /// Full blue.
    ///
    /// ```
    /// assert_eq!(natskit_ledmatrix::led_matrix::Rgb::BLUE.channels(), [0, 0, 255]);
    /// ```
    pub const BLUE: Rgb = Rgb(0, 0, 255);
    /// Full yellow: red and green.
    ///
    /// ```
    /// assert_eq!(natskit_ledmatrix::led_matrix::Rgb::YELLOW.channels(), [255, 255, 0]);
    /// ```
    pub const YELLOW: Rgb = Rgb(255, 255, 0);

    /// True for black, an LED that gives no light.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::Rgb;
    ///
    /// assert!(Rgb(0, 0, 0).is_off());
    /// assert!(!Rgb(0, 0, 1).is_off());
    /// ```
    pub fn is_off(self) -> bool {
        self == Rgb::OFF
    }

    /// The three channels as an array, `[r, g, b]`.
    ///
    /// ```
    /// use natskit_ledmatrix::led_matrix::Rgb;
    ///
    /// assert_eq!(Rgb(1, 2, 3).channels(), [1, 2, 3]);
    /// ```
    pub fn channels(self) -> [u8; 3] {
        [self.0, self.1, self.2]
    }
}
