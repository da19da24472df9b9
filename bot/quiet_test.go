package bot

import (
	"testing"
	"time"

	"github.com/heraldchat/herald/config"
)

func TestQuietHoursUntil(t *testing.T) {
	if _, err := time.LoadLocation("Europe/Berlin"); err != nil {
		t.Fatalf("no tz data: %v", err)
	}
	utc := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, time.UTC) }
	tests := []struct {
		name string
		q    config.QuietHours
		now  time.Time
		want time.Time // zero: not quiet
	}{
		{"across midnight, before it", config.QuietHours{Start: "22:00", End: "07:00"}, utc(3, 10, 23, 30), utc(3, 11, 7, 0)},
		{"across midnight, after it", config.QuietHours{Start: "22:00", End: "07:00"}, utc(3, 11, 2, 0), utc(3, 11, 7, 0)},
		{"across midnight, at its start", config.QuietHours{Start: "22:00", End: "07:00"}, utc(3, 10, 22, 0), utc(3, 11, 7, 0)},
		{"across midnight, at its end", config.QuietHours{Start: "22:00", End: "07:00"}, utc(3, 11, 7, 0), time.Time{}},
		{"across midnight, midday", config.QuietHours{Start: "22:00", End: "07:00"}, utc(3, 10, 12, 0), time.Time{}},
		{"across midnight at the month's end", config.QuietHours{Start: "22:00", End: "07:00"}, utc(3, 31, 23, 0), utc(4, 1, 7, 0)},
		{"within a day, inside", config.QuietHours{Start: "01:00", End: "06:30"}, utc(3, 10, 3, 0), utc(3, 10, 6, 30)},
		{"within a day, before", config.QuietHours{Start: "01:00", End: "06:30"}, utc(3, 10, 0, 59), time.Time{}},
		{"within a day, after", config.QuietHours{Start: "01:00", End: "06:30"}, utc(3, 10, 6, 30), time.Time{}},
		// 23:30 UTC is 00:30 in Berlin in winter: inside, ending 07:00 Berlin = 06:00 UTC.
		{"in its own zone", config.QuietHours{Start: "22:00", End: "07:00", TZ: "Europe/Berlin"}, utc(3, 10, 23, 30), utc(3, 11, 6, 0)},
		{"in its own zone, outside", config.QuietHours{Start: "22:00", End: "07:00", TZ: "Europe/Berlin"}, utc(3, 10, 20, 30), time.Time{}},
		{"empty window", config.QuietHours{Start: "05:00", End: "05:00"}, utc(3, 10, 5, 0), time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := parseQuietHours(&tt.q, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			if got := q.Until(tt.now); !got.Equal(tt.want) {
				t.Errorf("Until(%v) = %v, want %v", tt.now, got.UTC(), tt.want)
			}
		})
	}
}

func TestQuietHoursDefaultZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("no tz data: %v", err)
	}
	q, err := parseQuietHours(&config.QuietHours{Start: "22:00", End: "07:00"}, berlin)
	if err != nil {
		t.Fatal(err)
	}
	got := q.Until(time.Date(2026, 7, 1, 21, 0, 0, 0, time.UTC)) // 23:00 in Berlin (summer)
	if want := time.Date(2026, 7, 2, 5, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Until = %v, want %v", got.UTC(), want)
	}
}

func TestQuietHoursErrors(t *testing.T) {
	for _, q := range []config.QuietHours{
		{Start: "25:00", End: "07:00"},
		{Start: "22:00", End: "7"},
		{Start: "22:00", End: "07:00", TZ: "Mars/Olympus"},
	} {
		if _, err := parseQuietHours(&q, time.UTC); err == nil {
			t.Errorf("parseQuietHours(%+v) = nil error, want one", q)
		}
	}
	if q, err := parseQuietHours(nil, time.UTC); q != nil || err != nil {
		t.Errorf("parseQuietHours(nil) = %v, %v; want nil, nil", q, err)
	}
}
