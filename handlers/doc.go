// Package handlers holds Baton's inbound adapters: the lead HTTP API, Lark messages (chat commands), card
// actions and bot-menu taps, and the health endpoints. Handlers stay thin: verify, decode, call one
// crm.Service method, render, and hand errors to one adapter that logs them once and answers.
//
// handlers imports crm, cards and bot (for its intake types only: bot.Message, bot.CardAction, …); it never
// imports storage or jobs. Replies go out through crm.Messenger.
package handlers
