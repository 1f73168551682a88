// Package config reads Baton's configuration once at start: the environment (BATON_*, LARK_*) into Config,
// and the rules file baton.yaml into crm.Settings. Everything is validated up front and every problem is
// reported together, each with its file, line and key path, so a typo fails `baton config check` instead
// of silently changing how leads are routed.
//
// Defaults live in one place each: envDefaults for the environment, defaultSettings and defaultPool for
// baton.yaml.
//
// config may import crm, the standard library, gopkg.in/yaml.v3 and github.com/robfig/cron/v3 (the same
// cron dialect asynq's scheduler runs). It never imports storage, bot, jobs or the Lark SDK.
package config
