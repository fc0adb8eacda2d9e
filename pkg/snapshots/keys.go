package snapshots

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxPinNameLength is the longest pin name, in characters.
const MaxPinNameLength = 100

// entryKind tells a stored profile from a stored blob, so that Profile on a blob key (or
// Blob on a profile key) fails clearly instead of misreading the payload.
type entryKind byte

const (
	kindProfile entryKind = 1
	kindBlob    entryKind = 2
)

// metaVersion is the first byte of every metadata value, so that a later format can be told
// apart from this one.
const metaVersion = 1

// entry is the decoded metadata value of one snapshot.
type entry struct {
	kind entryKind
	// raw is the size of the body the target sent.
	raw int64
	// payload is the size of the stored, compressed payload.
	payload int64
	pins    []string
}

// seriesPrefix is the start of every metadata and payload key of one target and kind. The
// length prefixes keep target "a" with kind "bc" apart from target "ab" with kind "c".
func seriesPrefix(target, kind string) []byte {
	b := targetPrefix(target)
	return appendString(b, kind)
}

// targetPrefix is the start of every key of one target, whatever the kind.
func targetPrefix(target string) []byte {
	return appendString(make([]byte, 0, len(target)+32), target)
}

// appendTime appends a millisecond time so that byte order is time order, negative times
// included.
func appendTime(b []byte, ms int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(ms)^(1<<63))
}

func encodeKey(k Key) []byte {
	return appendTime(seriesPrefix(k.Target, k.Kind), k.Time.UnixMilli())
}

// decodeKey parses a metadata key back into its Key.
func decodeKey(b []byte) (Key, error) {
	r := reader{b: b}
	target := r.string("key target")
	kind := r.string("key kind")
	ms := r.fixed64("key time")
	if err := r.done("key"); err != nil {
		return Key{}, err
	}
	return Key{Target: target, Kind: kind, Time: time.UnixMilli(int64(ms ^ (1 << 63))).UTC()}, nil
}

// keyMs returns the millisecond time at the end of an encoded key.
func keyMs(b []byte) int64 {
	return int64(binary.BigEndian.Uint64(b[len(b)-8:]) ^ (1 << 63))
}

func encodeEntry(e entry) []byte {
	b := []byte{metaVersion, byte(e.kind)}
	b = binary.AppendUvarint(b, uint64(e.raw))
	b = binary.AppendUvarint(b, uint64(e.payload))
	b = binary.AppendUvarint(b, uint64(len(e.pins)))
	for _, p := range e.pins {
		b = appendString(b, p)
	}
	return b
}

func decodeEntry(b []byte) (entry, error) {
	r := reader{b: b}
	if v := r.byte("metadata version"); r.err == nil && v != metaVersion {
		return entry{}, fmt.Errorf("metadata version %d is not supported", v)
	}
	e := entry{kind: entryKind(r.byte("metadata kind"))}
	e.raw = int64(r.uvarint("raw size"))
	e.payload = int64(r.uvarint("payload size"))
	n := r.count("pin count", 1)
	for range n {
		e.pins = append(e.pins, r.string("pin name"))
	}
	if err := r.done("metadata"); err != nil {
		return entry{}, err
	}
	if e.kind != kindProfile && e.kind != kindBlob {
		return entry{}, fmt.Errorf("metadata kind %d is not supported", e.kind)
	}
	return e, nil
}

// checkKey rejects keys that cannot name a snapshot.
func checkKey(k Key) error {
	switch {
	case k.Target == "":
		return errors.New("snapshot key has an empty target")
	case k.Kind == "":
		return errors.New("snapshot key has an empty kind")
	case k.Time.IsZero():
		return errors.New("snapshot key has no time")
	}
	return nil
}

// checkPinName rejects names a user could not tell apart or type back.
func checkPinName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("pin name is empty")
	case !utf8.ValidString(name):
		return errors.New("pin name is not valid UTF-8")
	case utf8.RuneCountInString(name) > MaxPinNameLength:
		return fmt.Errorf("pin name is longer than %d characters", MaxPinNameLength)
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return errors.New("pin name contains control characters")
	}
	return nil
}

// addPin returns pins with name added, sorted.
func addPin(pins []string, name string) []string {
	if i, ok := slices.BinarySearch(pins, name); !ok {
		pins = slices.Insert(pins, i, name)
	}
	return pins
}

// removePin returns pins without name.
func removePin(pins []string, name string) []string {
	return slices.DeleteFunc(pins, func(p string) bool { return p == name })
}

// encodePin is the value of a pin: the pinned snapshot's key and the creation time.
func encodePin(k Key, created time.Time) []byte {
	b := appendString(nil, string(encodeKey(k)))
	return binary.AppendVarint(b, created.UnixMilli())
}

func decodePin(name string, b []byte) (Pin, error) {
	r := reader{b: b}
	kb := r.bytes("pinned key")
	created := r.varint("pin creation time")
	if err := r.done("pin"); err != nil {
		return Pin{}, err
	}
	k, err := decodeKey(kb)
	if err != nil {
		return Pin{}, err
	}
	return Pin{Name: name, Key: k, Created: time.UnixMilli(created).UTC()}, nil
}
