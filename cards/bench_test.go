package cards

import (
	"testing"

	"github.com/baton-crm/baton/crm"
)

func BenchmarkPoolCard(b *testing.B) {
	v := pooledView()
	for b.Loop() {
		Renderer{}.PoolCard(v)
	}
}

func BenchmarkOwnerCardMaximal(b *testing.B) {
	v := maximalView()
	for b.Loop() {
		Renderer{}.OwnerCard(v)
	}
}

func BenchmarkEventCardEscalated(b *testing.B) {
	v, e := overdueView(), event(crm.EventEscalated, "clock", "unclaimed", "after", "30m")
	for b.Loop() {
		Renderer{}.EventCard(v, e)
	}
}

func BenchmarkDecodeAction(b *testing.B) {
	v := map[string]any{"v": float64(1), "op": "snooze", "lead": "123", "rev": float64(7), "snooze": "1h"}
	for b.Loop() {
		if _, err := DecodeAction(v); err != nil {
			b.Fatal(err)
		}
	}
}
