// Package handler holds the HTTP handlers of orders. This file is yours:
// the platform wrote it once and never touches it again.
package handler

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

// Handler serves the API of orders.
type Handler struct {
	logger *slog.Logger
	// database is host:port of the PostgreSQL server in DATABASE_URL.
	database string
}

// New returns a Handler. It reads the database address from DATABASE_URL.
func New(logger *slog.Logger) *Handler {
	h := &Handler{logger: logger}
	if u, err := url.Parse(os.Getenv("DATABASE_URL")); err == nil && u.Host != "" {
		h.database = u.Host
		if u.Port() == "" {
			h.database = net.JoinHostPort(u.Hostname(), "5432")
		}
	}
	return h
}

// Register adds the routes of the API to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /readyz", h.ready)
	mux.HandleFunc("GET /v1/hello", h.hello)
}

func (h *Handler) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", h.database)
	if err != nil {
		h.logger.Warn("database not ready", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	conn.Close()
	w.WriteHeader(http.StatusOK)
}

func (h *Handler) hello(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(map[string]string{"service": "orders"}); err != nil {
		h.logger.Error("encoding response", "err", err)
	}
}
