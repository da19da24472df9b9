package config

import "testing"

func TestByteSize(t *testing.T) {
	cases := []struct {
		in   string
		want ByteSize
		ok   bool
	}{
		{"1048576", 1 << 20, true},
		{"10MiB", 10 << 20, true},
		{"512KiB", 512 << 10, true},
		{"1 GiB", 1 << 30, true},
		{"5MB", 5_000_000, true},
		{"100B", 100, true},
		{"-1", 0, false},
		{"1.5MiB", 0, false},
		{"MiB", 0, false},
		{"99999999999GiB", 0, false},
	}
	for _, tc := range cases {
		got, err := ParseByteSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	for _, b := range []ByteSize{10 << 20, 512 << 10, 1000} {
		text, _ := b.MarshalText()
		back, err := ParseByteSize(string(text))
		if err != nil || back != b {
			t.Errorf("round trip %d → %q → %d, %v", b, text, back, err)
		}
	}
}
