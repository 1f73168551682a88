package larktest

import "time"

// The sandbox runs the emulator for as long as Baton serves, so histories are bounded. The caps are far
// above what any test inspects.
const (
	maxHistory   = 20000 // calls and deliveries kept
	maxSent      = 5000  // events kept for Redeliver
	maxKeyedSets = 10000 // uuid and card-token entries before expired ones are swept
)

// trimLocked bounds the emulator's memory; s.mu must be held.
func (s *Server) trimLocked() {
	st := &s.st
	if n := len(st.calls); n > maxHistory {
		st.calls = append([]Call(nil), st.calls[n-maxHistory/2:]...)
	}
	if n := len(st.deliveries); n > maxHistory {
		st.deliveries = append([]Delivery(nil), st.deliveries[n-maxHistory/2:]...)
	}
	if len(st.sent) > maxSent {
		// Map order is random, so this drops arbitrary old events; Redeliver is for recent ones.
		for id := range st.sent {
			delete(st.sent, id)
			if len(st.sent) <= maxSent/2 {
				break
			}
		}
	}
	now := st.now()
	if len(st.uuids) > maxKeyedSets {
		for k, e := range st.uuids {
			if now.Sub(e.at) >= uuidWindowSeconds*time.Second {
				delete(st.uuids, k)
			}
		}
	}
	if len(st.cardTokens) > maxKeyedSets {
		for k, tok := range st.cardTokens {
			if now.Sub(tok.issued) > cardTokenTTL {
				delete(st.cardTokens, k)
			}
		}
	}
}
