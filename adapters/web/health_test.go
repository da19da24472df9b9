package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHealthEndpoints(t *testing.T) {
	h := NewHealth()
	storeErr := error(nil)
	h.Add("store", func(context.Context) (string, error) {
		if storeErr != nil {
			return "unreachable", storeErr
		}
		return "ok", nil
	})
	h.Add("discord", func(context.Context) (string, error) { return "not configured", nil })
	srv := httptest.NewServer(NewServer(h, nilLogger()).Handler())
	defer srv.Close()

	for _, tc := range []struct {
		name       string
		storeErr   error
		path       string
		wantCode   int
		wantStatus string
	}{
		{"live and healthy", nil, "/healthz", 200, "ok"},
		{"ready and healthy", nil, "/readyz", 200, "ok"},
		{"live while store down", errors.New("dial tcp: refused"), "/healthz", 200, "degraded"},
		{"not ready while store down", errors.New("dial tcp: refused"), "/readyz", 503, "degraded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storeErr = tc.storeErr
			resp, err := http.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tc.wantCode {
				t.Errorf("status code: got %d, want %d", resp.StatusCode, tc.wantCode)
			}
			var rep healthReport
			if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
				t.Fatal(err)
			}
			if rep.Status != tc.wantStatus {
				t.Errorf("status: got %q, want %q", rep.Status, tc.wantStatus)
			}
			if len(rep.Components) != 2 || rep.Components[0].Name != "discord" || rep.Components[1].Name != "store" {
				t.Errorf("components: got %+v, want discord and store in order", rep.Components)
			}
		})
	}
}
