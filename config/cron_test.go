package config

import (
	"testing"
	"time"
)

func TestCheckSchedule(t *testing.T) {
	cases := []struct {
		spec string
		want string // "" = valid
	}{
		{"*/10 * * * *", ""},
		{"0 8 * * mon-fri", ""},
		{"15,45 */2 1-15 jan,jul *", ""},
		{"@hourly", ""},
		{"@every 10m", ""},
		{"@every 1h30m", ""},
		{"CRON_TZ=Europe/Berlin 0 8 * * *", ""},
		{"TZ=UTC @daily", ""},
		{"  */5 * * * *  ", ""},
		{"*/59 * * * *", ""},
		{"*/61 * * * *", `"*/61 * * * *" is not a valid cron spec (minute must be 0-59)`},
		{"60 * * * *", `"60 * * * *" is not a valid cron spec (minute must be 0-59)`},
		{"0 0 0 * *", `"0 0 0 * *" is not a valid cron spec (day of month must be 1-31)`},
		{"0 0 * 13 *", `"0 0 * 13 *" is not a valid cron spec (month must be 1-12 or jan-dec)`},
		{"0 0 * * 7", `"0 0 * * 7" is not a valid cron spec (day of week must be 0-6 or sun-sat)`},
		{"0 0 * * */9", `"0 0 * * */9" is not a valid cron spec (day of week must be 0-6 or sun-sat)`},
		{"0 10-2 * * *", `"0 10-2 * * *" is not a valid cron spec (hour range "10-2" runs backwards)`},
		{"x * * * *", `"x * * * *" is not a valid cron spec (minute "x" is not a number (0-59), a range (1-5), a list (1,3) or a step (*/5))`},
		{"1-2-3 * * * *", `"1-2-3 * * * *" is not a valid cron spec (minute "1-2-3" is not a number (0-59), a range (1-5), a list (1,3) or a step (*/5))`},
		{"0 0 * * * *", `"0 0 * * * *" is not a valid cron spec (it has 6 fields; want 5: minute hour day-of-month month day-of-week, or a descriptor such as @hourly or @every 10m; seconds are not supported)`},
		{"0 0 31 2 *", `"0 0 31 2 *" is not a valid cron spec (it never fires: no such date)`},
		{"@every", `"@every" is not a valid cron spec (@every needs a duration such as @every 10m)`},
		{"@every ten minutes", `"@every ten minutes" is not a valid cron spec (@every needs a duration such as @every 10m)`},
		{"@every -5m", `"@every -5m" is not a valid cron spec (@every needs a positive duration)`},
		{"@fortnightly", `"@fortnightly" is not a valid cron spec (unknown descriptor @fortnightly; use @hourly, @daily, @weekly, @monthly, @yearly or @every <duration>)`},
		{"CRON_TZ=Mars/Base 0 * * * *", `"CRON_TZ=Mars/Base 0 * * * *" is not a valid cron spec (unknown time zone "Mars/Base"; use an IANA name such as Europe/Berlin)`},
		{"CRON_TZ=UTC", `"CRON_TZ=UTC" is not a valid cron spec (a schedule must follow CRON_TZ=UTC)`}, // robfig panics on this one
		{"TZ= 0 * * * *", `"TZ= 0 * * * *" is not a valid cron spec (unknown time zone ""; use an IANA name such as Europe/Berlin)`},
		{"", `the schedule is empty (write a cron spec such as "*/10 * * * *" or @hourly)`},
	}
	for _, tc := range cases {
		err := CheckSchedule(tc.spec)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("CheckSchedule(%q):\ngot:  %s\nwant: %s", tc.spec, got, tc.want)
		}
	}
}

func TestParseScheduleZone(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatalf("no tzdata: %v", err)
	}
	s, err := ParseSchedule("0 8 * * *", berlin)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	if got, want := s.Next(from).UTC(), time.Date(2026, 6, 1, 6, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("08:00 Berlin in June: got %v, want %v", got, want)
	}
	// A spec's own CRON_TZ wins over loc.
	s, err = ParseSchedule("CRON_TZ=UTC 0 8 * * *", berlin)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Next(from).UTC(), time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("CRON_TZ=UTC: got %v, want %v", got, want)
	}
}
