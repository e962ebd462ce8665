// Package handler holds the HTTP handlers of orders. This file is yours:
// the platform wrote it once and never touches it again.
package handler

import (
	"database/sql"
	"encoding/json"
	"log/slog"
	"net/http"
)

// Handler serves the API of orders.
type Handler struct {
	logger *slog.Logger
	db     *sql.DB
}

// New returns a Handler.
func New(logger *slog.Logger, db *sql.DB) *Handler {
	return &Handler{logger: logger, db: db}
}

// Register adds the routes of the API to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /readyz", h.ready)
	mux.HandleFunc("GET /v1/hello", h.hello)
}

func (h *Handler) ready(w http.ResponseWriter, r *http.Request) {
	if err := h.db.PingContext(r.Context()); err != nil {
		h.logger.Warn("database not ready", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) hello(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(map[string]string{"service": "orders"}); err != nil {
		h.logger.Error("encoding response", "err", err)
	}
}
