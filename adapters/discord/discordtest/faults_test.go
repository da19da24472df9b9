package discordtest

import (
	"net/http"
	"testing"
)

func TestFaultsInjectsAndPasses(t *testing.T) {
	s := New(Config{NoRateLimits: true})
	defer s.Close()
	for _, tc := range []struct {
		name   string
		rate   float64
		wantOK bool
	}{
		{"never", 0, true},
		{"always", 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFaults(s, tc.rate, 1)
			defer f.Close()
			for range 10 {
				req, _ := http.NewRequest(http.MethodGet, f.URL()+"api/v9/users/@me", nil)
				req.Header.Set("Authorization", "Bot "+s.Token())
				res, err := http.DefaultClient.Do(req)
				ok := err == nil && res.StatusCode == http.StatusOK
				if err == nil {
					res.Body.Close()
				}
				if ok != tc.wantOK {
					t.Fatalf("GET /users/@me through the proxy at rate %v: got ok=%v (err %v), want ok=%v", tc.rate, ok, err, tc.wantOK)
				}
			}
			c := f.Counts()
			faults := c["429"] + c["500"] + c["502"] + c["503"] + c["lost"]
			if want := int(tc.rate * 10); c["requests"] != 10 || faults != want {
				t.Errorf("counts: got %v, want 10 requests and %d faults", c, want)
			}
		})
	}
}
