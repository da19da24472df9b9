package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// cronField describes one of the five standard fields for messages.
type cronField struct {
	name, allowed string
	max           int
}

var cronFields = [5]cronField{
	{"minute", "0-59", 59},
	{"hour", "0-23", 23},
	{"day of month", "1-31", 31},
	{"month", "1-12 or jan-dec", 12},
	{"day of week", "0-6 or sun-sat", 6},
}

// CheckSchedule reports whether spec is a schedule Herald can run: five
// cron fields (minute hour day-of-month month day-of-week) or a descriptor
// (@hourly, @daily, @weekly, @monthly, @yearly, @every 10m), optionally
// after CRON_TZ=<zone>. The error says which part is wrong and why.
func CheckSchedule(spec string) error {
	_, err := ParseSchedule(spec, time.UTC)
	return err
}

// ParseSchedule parses spec as CheckSchedule describes; times are in loc
// unless the spec names its own CRON_TZ. It is robfig/cron's standard
// parser with the descriptors, behind friendlier errors and a guard for
// inputs that make that parser panic (a CRON_TZ= with nothing after it).
func ParseSchedule(spec string, loc *time.Location) (cron.Schedule, error) {
	bad := func(reason string) error {
		return fmt.Errorf("%q is not a valid cron spec (%s)", spec, reason)
	}
	s := strings.TrimSpace(spec)
	hasTZ := strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=")
	if s == "" {
		return nil, fmt.Errorf("the schedule is empty (write a cron spec such as \"*/10 * * * *\" or @hourly)")
	}
	if hasTZ {
		prefix, rest, ok := strings.Cut(s, " ")
		if !ok || strings.TrimSpace(rest) == "" {
			return nil, bad("a schedule must follow " + prefix)
		}
		_, zone, _ := strings.Cut(prefix, "=")
		if _, err := time.LoadLocation(zone); err != nil || zone == "" {
			return nil, bad(fmt.Sprintf("unknown time zone %q; use an IANA name such as Europe/Berlin", zone))
		}
		s = prefix + " " + strings.TrimSpace(rest)
		if strings.HasPrefix(strings.TrimSpace(rest), "@") {
			if err := checkDescriptor(strings.TrimSpace(rest)); err != nil {
				return nil, bad(err.Error())
			}
		} else if err := checkFields(strings.TrimSpace(rest)); err != nil {
			return nil, bad(err.Error())
		}
	} else if strings.HasPrefix(s, "@") {
		if err := checkDescriptor(s); err != nil {
			return nil, bad(err.Error())
		}
	} else if err := checkFields(s); err != nil {
		return nil, bad(err.Error())
	}
	if loc != nil && !hasTZ {
		s = "CRON_TZ=" + loc.String() + " " + s
	}
	sched, err := cron.ParseStandard(s)
	if err != nil {
		return nil, bad(err.Error()) // checks above should have caught it
	}
	// A valid spec can still name a date that never comes (30 February);
	// robfig's Next gives up after five years and returns zero.
	if sched.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return nil, bad("it never fires: no such date")
	}
	return sched, nil
}

func checkDescriptor(s string) error {
	switch s {
	case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly":
		return nil
	}
	if arg, ok := strings.CutPrefix(s, "@every"); ok {
		d, err := time.ParseDuration(strings.TrimSpace(arg))
		if err != nil || strings.TrimSpace(arg) == "" || !strings.HasPrefix(arg, " ") {
			return fmt.Errorf("@every needs a duration such as @every 10m")
		}
		if d <= 0 {
			return fmt.Errorf("@every needs a positive duration")
		}
		if strings.TrimSpace(arg) != arg[1:] {
			return fmt.Errorf("write one space between @every and the duration")
		}
		return nil
	}
	return fmt.Errorf("unknown descriptor %s; use @hourly, @daily, @weekly, @monthly, @yearly or @every <duration>", s)
}

// checkFields explains what is wrong with a five-field spec, field by field.
func checkFields(s string) error {
	fields := strings.Fields(s)
	if len(fields) != 5 {
		msg := fmt.Sprintf("it has %d fields; want 5: minute hour day-of-month month day-of-week, or a descriptor such as @hourly or @every 10m", len(fields))
		if len(fields) == 6 {
			msg += "; seconds are not supported"
		}
		return fmt.Errorf("%s", msg)
	}
	for i, f := range fields {
		probe := []string{"*", "*", "*", "*", "*"}
		probe[i] = f
		if _, err := cron.ParseStandard(strings.Join(probe, " ")); err != nil {
			return explainField(cronFields[i], f, err)
		}
		if err := checkSteps(cronFields[i], f); err != nil {
			return err
		}
	}
	return nil
}

// explainField turns robfig/cron's error for one field into a sentence
// naming the field and its allowed range.
func explainField(cf cronField, value string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "above maximum"), strings.Contains(msg, "below minimum"):
		return fmt.Errorf("%s must be %s", cf.name, cf.allowed)
	case strings.Contains(msg, "beyond end of range"):
		return fmt.Errorf("%s range %q runs backwards", cf.name, value)
	case strings.Contains(msg, "step of range"):
		return fmt.Errorf("%s step in %q must be a positive number", cf.name, value)
	case strings.Contains(msg, "too many hyphens"), strings.Contains(msg, "too many slashes"),
		strings.Contains(msg, "failed to parse int"), strings.Contains(msg, "negative number"):
		return fmt.Errorf("%s %q is not a number (%s), a range (1-5), a list (1,3) or a step (*/5)", cf.name, value, cf.allowed)
	}
	return fmt.Errorf("%s %q: %s", cf.name, value, msg)
}

// checkSteps rejects a step larger than the field's range: robfig/cron
// accepts "*/61" as "minute 0 only", which is never what was meant.
func checkSteps(cf cronField, value string) error {
	for _, part := range strings.Split(value, ",") {
		_, step, ok := strings.Cut(part, "/")
		if !ok {
			continue
		}
		if n, err := strconv.Atoi(step); err == nil && n > cf.max {
			return fmt.Errorf("%s must be %s", cf.name, cf.allowed)
		}
	}
	return nil
}
