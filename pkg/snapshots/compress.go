package snapshots

import (
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// maxDecodedPayload bounds what one stored payload may decompress to, so that a corrupted
// frame header cannot make a read allocate without limit. It is far above the largest
// profile the collector accepts.
const maxDecodedPayload = 1 << 30

// The coder pair is shared: EncodeAll and DecodeAll are safe for concurrent use, and one
// encoder and decoder keep their buffers between calls. Frames carry a checksum, so a
// flipped bit in a stored payload reads as an error.
var (
	zEncoder, _ = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderCRC(true),
		zstd.WithEncoderConcurrency(1))
	zDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderMaxMemory(maxDecodedPayload), zstd.WithDecoderConcurrency(0))
)

func compress(b []byte) []byte {
	return zEncoder.EncodeAll(b, make([]byte, 0, len(b)/3+64))
}

func decompress(b []byte) ([]byte, error) {
	out, err := zDecoder.DecodeAll(b, nil)
	if err != nil {
		return nil, fmt.Errorf("decompress payload: %w", err)
	}
	return out, nil
}
