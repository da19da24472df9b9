package bot

// The time zone tests must run wherever the tests do, with or without the
// system's zoneinfo, so they never skip.
import _ "time/tzdata"
