// Package cards builds the Lark interactive cards Baton sends (card JSON 2.0) from crm values, and encodes
// and decodes the values card callbacks carry.
//
// Every builder is a pure function of its arguments: the time shown on a card comes from crm.LeadView.Now
// and its Location, never from the clock, so the golden files in testdata stay byte-for-byte stable.
//
// Every text node carries Chinese in content and both languages in i18n_content. Anything a customer, a rep
// or ops typed goes into plain_text nodes, which Lark shows literally, so a lead named "<at id=all></at>"
// cannot ping a group; markdown nodes hold only Baton's own words, times and mentions of open_ids.
// A group card never shows a full phone number or email: only OwnerCard, the owner's DM, reveals them.
//
// cards imports crm and the standard library only.
package cards
