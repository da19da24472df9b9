package config

import (
	"fmt"
	"strconv"
	"strings"
)

// ByteSize is a size in bytes, written as 1048576, "512KiB", "10MiB" or "1GiB".
type ByteSize int64

var byteUnits = []struct {
	suffix string
	mult   int64
}{
	// Longest suffixes first so "KiB" is not read as "B".
	{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"kB", 1e3},
	{"B", 1},
}

// ParseByteSize reads a ByteSize.
func ParseByteSize(s string) (ByteSize, error) {
	s = strings.TrimSpace(s)
	num, mult := s, int64(1)
	for _, u := range byteUnits {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || (mult > 1 && n > (1<<62)/mult) {
		return 0, fmt.Errorf("%q is not a size (use e.g. 512KiB, 10MiB or a number of bytes)", s)
	}
	return ByteSize(n * mult), nil
}

// UnmarshalText lets YAML read a ByteSize from a string or number.
func (b *ByteSize) UnmarshalText(text []byte) error {
	v, err := ParseByteSize(string(text))
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// MarshalText writes the largest binary unit that divides the size exactly.
func (b ByteSize) MarshalText() ([]byte, error) {
	for _, u := range byteUnits[:3] {
		if b != 0 && int64(b)%u.mult == 0 {
			return []byte(strconv.FormatInt(int64(b)/u.mult, 10) + u.suffix), nil
		}
	}
	return []byte(strconv.FormatInt(int64(b), 10)), nil
}
