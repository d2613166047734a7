//! One TCP connection to SystmOne: write a request document, read response
//! documents (PROTOCOL.md §1.2, §1.7).

use std::io;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_util::codec::Decoder as _;

use super::builder::Settings;
use super::call::ConnectionId;
use crate::proto::{DocumentCodec, FrameError};

/// How much to read at a time; a response grows the buffer as it needs.
const READ_CHUNK: usize = 16 * 1024;

/// Why no response document could be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The connection closed (between documents) or failed.
    Lost(io::Error),
    /// The bytes are not a document (or SystmOne closed in the middle of
    /// one); the connection cannot be used again.
    Frame(FrameError),
}

/// A connection to SystmOne.
#[derive(Debug)]
pub(crate) struct Connection {
    /// Given when it opened; never reused.
    pub(crate) id: ConnectionId,
    stream: TcpStream,
    codec: DocumentCodec,
    buffer: BytesMut,
}

impl Connection {
    /// Connects to the configured address, giving up after the connect
    /// timeout.
    pub(crate) async fn open(settings: &Settings) -> io::Result<Self> {
        let (address, timeout) = (settings.address, settings.timeouts.connect);
        let stream = tokio::time::timeout(timeout, TcpStream::connect(address))
            .await
            .map_err(|_| {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no connection within {timeout:?}"),
                )
            })??;
        // One small request, then wait for the answer: Nagle's algorithm
        // would hold a request back behind the delayed ACK of the last one.
        stream.set_nodelay(true)?;
        Ok(Self {
            id: ConnectionId::next(),
            stream,
            codec: DocumentCodec::new().with_max_document_len(settings.max_response_len),
            buffer: BytesMut::with_capacity(READ_CHUNK),
        })
    }

    /// Whether SystmOne has closed the connection while it sat idle (a
    /// restart, a log-off), found without sending anything: a request
    /// written to such a socket would be lost, and for a write its outcome
    /// would look unknown when SystmOne in fact never saw it.
    ///
    /// Bytes that arrived unasked (a late answer to a request given up on)
    /// are kept, to be recognised by their RequestUID and discarded.
    pub(crate) fn is_closed(&mut self) -> bool {
        let mut probe = [0u8; 4096];
        loop {
            match self.stream.try_read(&mut probe) {
                Ok(0) => return true,
                Ok(n) => {
                    self.buffer.extend_from_slice(&probe[..n]);
                    // More unasked bytes than any answer may hold: a peer
                    // that is not SystmOne. Drop the connection.
                    if self.buffer.len() > self.codec.max_document_len() {
                        return true;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return true,
            }
        }
    }

    /// Writes one request document and its terminating newline.
    pub(crate) async fn send(&mut self, document: &[u8]) -> io::Result<()> {
        let mut framed = Vec::with_capacity(document.len() + 1);
        framed.extend_from_slice(document);
        framed.push(b'\n');
        self.stream.write_all(&framed).await?;
        self.stream.flush().await
    }

    /// The next complete document. Cancel-safe: bytes read before a
    /// cancellation stay in the buffer.
    pub(crate) async fn next_document(&mut self) -> Result<Bytes, ReadError> {
        loop {
            if let Some(document) = self
                .codec
                .decode(&mut self.buffer)
                .map_err(ReadError::Frame)?
            {
                return Ok(document);
            }
            self.buffer.reserve(READ_CHUNK);
            match self.stream.read_buf(&mut self.buffer).await {
                Ok(0) => {
                    return match self.codec.decode_eof(&mut self.buffer) {
                        Ok(Some(document)) => Ok(document),
                        Ok(None) => Err(ReadError::Lost(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "SystmOne closed the connection",
                        ))),
                        Err(error) => Err(ReadError::Frame(error)),
                    };
                }
                Ok(_) => {}
                Err(error) => return Err(ReadError::Lost(error)),
            }
        }
    }
}
