package sandbox

import "net/http"

// Console serves the sandbox web console under /sandbox/.
func Console(w *World) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Error(rw, "the sandbox console is not built yet; the emulator's state is at /sandbox/emu/__emu/state", http.StatusNotImplemented)
	})
}
