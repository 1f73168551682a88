package tencentads

import (
	"context"
	"fmt"
	"time"

	"github.com/baton-crm/baton/crm"
)

// span is one shorter window of a split window, with its page count.
type span struct {
	from, to time.Time
	pages    int
	total    int
}

// maxPlans bounds the cached split plans (a backfill makes one per day).
const maxPlans = 64

func planKey(from, to time.Time) [2]int64 { return [2]int64{from.UnixNano(), to.UnixNano()} }

func (c *Client) cachedPlan(from, to time.Time) []span {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.plans[planKey(from, to)]
}

// plan halves [from, to) until every part holds at most DeepPaging leads, and remembers the parts so the
// puller's later pages of the window are served from them.
func (c *Client) plan(ctx context.Context, from, to time.Time) ([]span, error) {
	var spans []span
	var split func(from, to time.Time) error
	split = func(from, to time.Time) error {
		d, err := c.list(ctx, from, to, 1)
		if err != nil {
			return err
		}
		n := d.PageInfo.TotalNumber
		if n <= c.cfg.DeepPaging {
			if n > 0 {
				spans = append(spans, span{from: from, to: to, pages: d.PageInfo.TotalPage, total: n})
			}
			return nil
		}
		// time_range is in whole seconds: a second holding more than the cap cannot be split further.
		if to.Sub(from) <= 2*time.Second {
			return fmt.Errorf("%d leads stored within %s: more than page paging reaches (%d)", n, to.Sub(from), c.cfg.DeepPaging)
		}
		mid := from.Add(to.Sub(from) / 2).Truncate(time.Second)
		if err := split(from, mid); err != nil {
			return err
		}
		return split(mid, to)
	}
	if err := split(from, to); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.plans == nil || len(c.plans) >= maxPlans {
		c.plans = map[[2]int64][]span{}
	}
	c.plans[planKey(from, to)] = spans
	return spans, nil
}

// fetchPlanned serves page (counted across the parts) of a split window.
func (c *Client) fetchPlanned(ctx context.Context, spans []span, page int) (*crm.PulledPage, error) {
	pages, total := 0, 0
	for _, s := range spans {
		pages += s.pages
		total += s.total
	}
	out := &crm.PulledPage{Pages: pages, Total: total}
	p := page
	for _, s := range spans {
		if p > s.pages {
			p -= s.pages
			continue
		}
		d, err := c.list(ctx, s.from, s.to, p)
		if err != nil {
			return nil, err
		}
		out.Leads = toPage(d).Leads
		return out, nil
	}
	return out, nil // past the last page: empty
}
