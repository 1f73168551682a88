// Package platformstest runs fakes of the ad platforms' lead APIs for tests, as httptest servers: 巨量引擎
// 飞鱼 (clue list and clue callback) and 腾讯广告 (leads_list/get and leads_status/update). They are built
// from the platforms' public documentation; the sample payloads they follow, and the documents those came
// from, are in testdata (see testdata/README.md). They import nothing of Baton's, so a client bug cannot be
// mirrored by its fake.
package platformstest
