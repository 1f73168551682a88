package crm

// DigestStore computes digest and feedback figures. (Its methods are added with the digest use cases.)
type DigestStore interface{}
