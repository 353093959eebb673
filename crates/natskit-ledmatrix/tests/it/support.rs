//! Brokers, devices and scratch directories for the tests.

use std::path::Path;
use std::time::Duration;

use natskit::Client;
use natskit_ledmatrix::senseshow::testing::HostedDevice;
use natskit_ledmatrix::senseshow::{MemorySink, Senseshow, ServeOptions};
use natskit_server::Server;
use natskit_test::TempDir;
use tokio::task::JoinHandle;

/// Upper bound for anything a test waits on; all is done far sooner when things work.
pub const PATIENCE: Duration = natskit_ledmatrix::senseshow::testing::PATIENCE;

/// An embedded broker on a loopback port no other broker of this process had.
pub async fn broker() -> Server {
    let port = natskit_test::port::free_port().expect("a free loopback port");
    Server::builder()
        .port(port)
        .start()
        .await
        .expect("start broker")
}

/// A connected client, with a bound on connecting.
pub async fn client(server: &Server) -> Client {
    tokio::time::timeout(PATIENCE, natskit::connect(&server.client_url()))
        .await
        .expect("connect in time")
        .expect("connect")
}

/// A device listening on `senseshow` through its own client, frames kept in memory.
pub struct Device {
    /// Every frame the device showed.
    pub frames: MemorySink,
    client: Client,
    task: JoinHandle<u64>,
}

impl Device {
    /// Binds the device (the server has its subscriptions when this returns) and runs it.
    pub async fn start(
        server: &Server,
        options: impl FnOnce(ServeOptions) -> ServeOptions,
    ) -> Device {
        let frames = MemorySink::new();
        let client = client(server).await;
        let options = options(ServeOptions::new(frames.clone()).frame_delay(Duration::ZERO));
        let device = Senseshow::bind(&client, "senseshow", options)
            .await
            .expect("bind the device");
        let task = tokio::spawn(device.run());
        Device {
            frames,
            client,
            task,
        }
    }

    /// Closes the device's client and waits (bounded) for it to stop; returns how many
    /// messages it handled.
    pub async fn stop(self) -> u64 {
        self.client
            .close()
            .await
            .expect("close the device's client");
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("the device stops once its client is closed")
            .expect("the device task")
    }
}

/// A broker and a device with zero frame delay and PNG files written in `png_dir`, on a runtime
/// of their own, for tests whose thread blocks on a child process (`send_sense`, nats-py).
/// Dropping it stops both.
pub fn hosted(png_dir: &Path) -> HostedDevice {
    let png_dir = png_dir.to_path_buf();
    HostedDevice::start(|o| o.png_dir(png_dir)).expect("start a broker and a device")
}

/// A fresh directory under the system's temp dir, removed with its contents on drop.
pub fn scratch(label: &str) -> TempDir {
    TempDir::new(&format!("examples-{label}")).expect("create a scratch directory")
}

/// Decodes a PNG file: (width, height, RGB bytes).
pub fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a sane size")];
    let info = reader.next_frame(&mut buf).expect("PNG image data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

/// The colour of pixel (`px`, `py`) of an RGB picture `width` pixels wide.
pub fn pixel_at(rgb: &[u8], width: u32, px: u32, py: u32) -> [u8; 3] {
    let i = ((py * width + px) * 3) as usize;
    [rgb[i], rgb[i + 1], rgb[i + 2]]
}
