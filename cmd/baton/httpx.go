package main

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/sandbox"
)

// instrument counts requests and their latency by route pattern (never by raw path, which holds ids) and
// turns a panic into a logged 500 instead of a dropped connection.
func instrument(reg prometheus.Registerer, log *slog.Logger, mux *http.ServeMux) http.Handler {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "baton_http_requests_total",
		Help: "HTTP requests by route and status."}, []string{"route", "status"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "baton_http_request_duration_seconds",
		Help: "HTTP request latency by route.", Buckets: []float64{.001, .0025, .005, .01, .025, .035, .05, .075, .1, .15, .25, .5, 1, 2.5, 5}},
		[]string{"route"})
	reg.MustRegister(requests, latency)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		_, route := mux.Handler(r)
		if route == "" {
			route = "unmatched"
		}
		defer func() {
			if p := recover(); p != nil {
				log.Error("http handler panicked", "route", route, "panic", p)
				if !rec.wrote {
					http.Error(rec, "internal error", http.StatusInternalServerError)
				}
			}
			requests.WithLabelValues(route, strconv.Itoa(rec.status)).Inc()
			latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
		}()
		mux.ServeHTTP(rec, r)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Flush keeps server-sent events working through the recorder.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func metricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// sourceLimiter applies each source's rate_limit (leads per second) in this process, allowing bursts of ten
// seconds' worth (at least 10 leads). A batch larger than the burst needs a full bucket, and drains it.
type sourceLimiter struct {
	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

func newSourceLimiter(sources []crm.Source) *sourceLimiter {
	l := &sourceLimiter{limiters: map[string]*rate.Limiter{}}
	for _, s := range sources {
		if s.RateLimit > 0 {
			burst := int(math.Ceil(s.RateLimit * 10))
			if burst < 10 {
				burst = 10
			}
			l.limiters[s.Key] = rate.NewLimiter(rate.Limit(s.RateLimit), burst)
		}
	}
	return l
}

func (l *sourceLimiter) Allow(source string, n int) bool {
	l.mu.Lock()
	lim := l.limiters[source]
	l.mu.Unlock()
	if lim == nil {
		return true
	}
	if n > lim.Burst() {
		n = lim.Burst()
	}
	return lim.AllowN(time.Now(), n)
}

// mountSandbox serves the console and passes its calls to the emulator's control API, so the browser
// talks to one origin.
// stopping ends when the server begins to shut down: the console's event streams never finish on their
// own, so they end with it rather than holding the graceful shutdown for its whole grace period.
func (a *app) mountSandbox(mux *http.ServeMux, stopping context.Context) {
	emu := a.world.Emulator.Handler()
	mux.Handle("/sandbox/emu/", http.StripPrefix("/sandbox/emu", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		defer context.AfterFunc(stopping, cancel)()
		emu.ServeHTTP(w, r.WithContext(ctx))
	})))
	a.world.TimeZone = a.cfg.Settings.Location.String()
	mux.Handle("/sandbox/", sandbox.Console(a.world))
	mux.Handle("GET /{$}", http.RedirectHandler("/sandbox/", http.StatusFound))
}

// Unwrap lets http.ResponseController reach the connection, so a long-lived stream (the sandbox console's
// server-sent events) can lift the server's write timeout for itself.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
