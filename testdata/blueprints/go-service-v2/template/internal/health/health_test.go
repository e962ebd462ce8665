package health

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRegister(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ready Check
		path  string
		want  int
	}{
		{"live", nil, "/healthz", http.StatusOK},
		{"ready", nil, "/readyz", http.StatusOK},
		{"ready check passes", func(context.Context) error { return nil }, "/readyz", http.StatusOK},
		{"ready check fails", func(context.Context) error { return errors.New("down") }, "/readyz", http.StatusServiceUnavailable},
		{"live while not ready", func(context.Context) error { return errors.New("down") }, "/healthz", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := http.NewServeMux()
			Register(mux, tc.ready)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
			if rec.Code != tc.want {
				t.Errorf("GET %s = %d, want %d", tc.path, rec.Code, tc.want)
			}
		})
	}
}

func TestDatabase(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := Database("postgres://u:p@" + ln.Addr().String() + "/db")(context.Background()); err != nil {
		t.Errorf("listening database: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if err := Database("postgres://u:p@" + addr + "/db")(context.Background()); err == nil {
		t.Error("closed database: no error")
	}
	if err := Database("")(context.Background()); err == nil {
		t.Error("empty DATABASE_URL: no error")
	}
}
