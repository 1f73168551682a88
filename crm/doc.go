// Package crm is Baton's domain: the types (customers, leads, pools, members, the timeline), the pure rules
// (routing, claim-pool limits, protection periods, the SLA clock in business time, the stage machine, digest
// maths), the small interfaces it needs from the outside world (ports), and the use cases as methods on
// Service.
//
// crm imports no project package, no database, queue or Lark library: storage, jobs and bot implement its
// ports, and cmd/baton wires them together. Rules take now and *time.Location as arguments, so tests pin them.
package crm
