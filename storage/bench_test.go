package storage_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/baton-crm/baton/crm"
	"github.com/baton-crm/baton/storage"
	"github.com/baton-crm/baton/storage/storagetest"
)

// BenchmarkIntakeLead measures new-customer intakes from 8 goroutines per CPU (16 on two cores, like the
// 16 clients of the HTTP benchmark); on PostgreSQL concurrent intakes are written in groups.
func BenchmarkIntakeLead(b *testing.B) {
	for _, c := range []struct {
		name string
		open func(testing.TB) *storage.DB
	}{{storage.DialectPostgres, storagetest.Postgres}, {storage.DialectSQLite, storagetest.SQLite}} {
		b.Run(c.name, func(b *testing.B) {
			db := c.open(b)
			var seq atomic.Int64
			b.SetParallelism(8)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := seq.Add(1)
					in := newLead(fmt.Sprintf("bench-%d", i), fmt.Sprintf("+86138%08d", i), "")
					if _, err := db.IntakeLead(context.Background(), in); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkClaimRace measures one claim race per iteration: 50 members tap the same fresh lead at once.
func BenchmarkClaimRace(b *testing.B) {
	for _, c := range []struct {
		name string
		open func(testing.TB) *storage.DB
	}{{storage.DialectPostgres, storagetest.Postgres}, {storage.DialectSQLite, storagetest.SQLite}} {
		b.Run(c.name, func(b *testing.B) {
			db := c.open(b)
			const racers = 50
			ids := make([]int64, b.N)
			for i := range ids {
				ids[i] = mustIntake(b, db, newLead(fmt.Sprintf("race-%d", i), fmt.Sprintf("+86139%08d", i), "")).Lead.ID
			}
			b.ResetTimer()
			for i := range b.N {
				winners, codes := race(b, db, ids[i], 1, racers, func(j int) func(*crm.Lead, crm.MemberStats) ([]crm.LeadEvent, error) {
					return claimAs(fmt.Sprintf("ou_rep%02d", j), time.Now(), 0)
				})
				if len(winners) != 1 || codes[crm.ECONFLICT] != racers-1 {
					b.Fatalf("race %d: winners %v codes %v", i, winners, codes)
				}
			}
		})
	}
}
