//! Byte-level adapters under the CSV parser: progress counting and incremental decoding.

use std::io::{self, BufRead, Read};

use encoding_rs::{CoderResult, Decoder, Encoding};

use super::Progress;

/// Adds the bytes read from the file to a [`Progress`].
pub(super) struct Counting<R> {
    pub inner: R,
    pub progress: Progress,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.add(n as u64);
        Ok(n)
    }
}

/// Decodes a non-UTF-8 byte stream (GB18030, UTF-16) into UTF-8 as it is read.
///
/// `encoding_rs` only converts buffers, and `encoding_rs_io` (which wraps a decoder as a
/// reader) is not a dependency, so this feeds an `encoding_rs::Decoder` one chunk at a time:
/// memory stays at two small buffers however large the file is. The decoder keeps a
/// character cut at a chunk boundary until the next chunk arrives. Malformed input becomes
/// U+FFFD, which the CSV reader reports as an unreadable cell.
pub(super) struct Decoding<R> {
    inner: R,
    decoder: Decoder,
    input: Box<[u8]>,
    in_pos: usize,
    in_len: usize,
    input_done: bool,
    output: Box<[u8]>,
    out_pos: usize,
    out_len: usize,
    finished: bool,
}

const CHUNK: usize = 16 * 1024;

impl<R: Read> Decoding<R> {
    pub fn new(inner: R, encoding: &'static Encoding) -> Self {
        Decoding {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: vec![0; CHUNK].into_boxed_slice(),
            in_pos: 0,
            in_len: 0,
            input_done: false,
            // Any input byte decodes to at most 3 UTF-8 bytes; room to spare.
            output: vec![0; CHUNK * 2].into_boxed_slice(),
            out_pos: 0,
            out_len: 0,
            finished: false,
        }
    }
}

impl<R: Read> BufRead for Decoding<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.out_pos == self.out_len && !self.finished {
            if self.in_pos == self.in_len && !self.input_done {
                let n = loop {
                    match self.inner.read(&mut self.input) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        other => break other?,
                    }
                };
                self.in_pos = 0;
                self.in_len = n;
                self.input_done = n == 0;
            }
            let last = self.input_done;
            let (result, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.in_pos..self.in_len],
                &mut self.output,
                last,
            );
            self.in_pos += read;
            self.out_pos = 0;
            self.out_len = written;
            if last && result == CoderResult::InputEmpty {
                self.finished = true;
            }
        }
        Ok(&self.output[self.out_pos..self.out_len])
    }

    fn consume(&mut self, amount: usize) {
        self.out_pos = (self.out_pos + amount).min(self.out_len);
    }
}

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_gbk_across_tiny_reads() {
        // A reader that hands out one byte at a time cuts every character in two.
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((first, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                buf[0] = *first;
                self.0 = rest;
                Ok(1)
            }
        }
        let text = "姓名,身份证号\n张三,110101199003077777\n".repeat(3000);
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let mut out = String::new();
        Decoding::new(OneByte(&gbk), encoding_rs::GB18030)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
    }
}
