package handlers

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// Check is one readiness probe. A failing required check makes Baton unavailable (503); a failing
// optional one makes it degraded (200): with Redis down, leads are still accepted and stored.
type Check struct {
	Name     string
	Required bool
	Probe    func(ctx context.Context) error
}

// Health serves /healthz (the process is up) and /readyz (its dependencies answer).
type Health struct {
	Checks  []Check
	Timeout time.Duration // per probe; default 2 s
}

// Register adds the health routes to mux.
func (h *Health) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", h.ready)
}

func (h *Health) ready(w http.ResponseWriter, r *http.Request) {
	timeout := h.Timeout
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	results := make(map[string]string, len(h.Checks))
	var mu sync.Mutex
	var wg sync.WaitGroup
	status := "ready"
	for _, c := range h.Checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(r.Context(), timeout)
			defer cancel()
			res := "ok"
			if err := c.Probe(ctx); err != nil {
				res = "failing: " + err.Error()
			}
			mu.Lock()
			defer mu.Unlock()
			results[c.Name] = res
			if res != "ok" {
				if c.Required {
					status = "unavailable"
				} else if status == "ready" {
					status = "degraded"
				}
			}
		}()
	}
	wg.Wait()
	code := http.StatusOK
	if status == "unavailable" {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, map[string]any{"status": status, "checks": results})
}
