// Package platforms holds the clients of the ad platforms Baton pulls leads from and reports conversion
// states to (巨量引擎 飞鱼 in oceanengine, 腾讯广告 in tencentads), and what they share: pacing, retries
// with backoff, credentials that may be rotated on disk. Each client implements crm.LeadPlatform.
//
// platforms may import crm, x/time and the standard library; nothing else of the project. The fakes the
// tests run are in platformstest, built from the platforms' public documentation (see its testdata).
package platforms
