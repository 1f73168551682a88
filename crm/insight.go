package crm

// InsightStore keeps ops insights. (Its methods are added with the insight use cases.)
type InsightStore interface{}
