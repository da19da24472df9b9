package bot_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/config"
	"github.com/heraldchat/herald/store/storetest"
)

func TestModCommands(t *testing.T) {
	db := storetest.Open(t)
	f := newModFixture(t, db, config.Moderation{NewAuthorLinkLimit: -1,
		Words: []config.WordRule{{Pattern: "casino", Action: config.ActionHold}}})
	now := time.Now()
	f.say(modAna, "first from Ana", now)
	_, second := f.say(modAna, "second from Ana", now.Add(time.Second))
	f.say(modBen, "Ben here", now.Add(2*time.Second))
	f.say(bot.Author{Platform: bot.Matrix, ID: "@ana:other", Name: "Ana"}, "another Ana", now.Add(3*time.Second))
	f.say(modBen, "casino night", now.Add(4*time.Second))
	secondID, err := db.CommentByOrigin(context.Background(), second.Origin.Place.Platform, second.Origin.Message)
	if err != nil {
		t.Fatal(err)
	}
	cmds := bot.NewCommands(bot.CommandOptions{Store: db})
	admin := bot.Request{Place: bot.Place{Platform: bot.Discord, Channel: "ch"}, Admin: true,
		User: bot.Author{Platform: bot.Discord, ID: "999", Name: "Mo"}}
	member := admin
	member.Admin, member.User = false, modBen

	tests := []struct {
		line       string
		req        bot.Request
		wantFailed bool
		want       string // in the reply
	}{
		// Malformed or refused: each with the message it must give.
		{"mod log", member, true, "admins only"},
		{"mod ban " + "discord:111", member, true, "admins only"},
		{"mod", admin, true, "needs a subcommand"},
		{"mod frob", admin, true, `no subcommand "frob"`},
		{"mod delet 1", admin, true, `did you mean "delete"`},
		{"mod delete", admin, true, "needs <comment>"},
		{"mod delete abc", admin, true, "is not a comment"},
		{"mod delete #x1", admin, true, "is not a comment id"},
		{"mod delete 4242", admin, true, "there is no comment 4242"},
		{"mod delete 123456789012345678", admin, true, "discord message 123456789012345678 is not a comment Herald knows"},
		{"mod delete https://matrix.to/#/!room:x", admin, true, "is not a matrix.to link to an event"},
		{"mod delete $nope:x", admin, true, "matrix message $nope:x is not a comment"},
		{"mod ban", admin, true, "needs <author>"},
		{"mod ban Nobody", admin, true, `no comment author is named "Nobody"`},
		{"mod ban Ana", admin, true, `2 authors are named "Ana"`},
		{"mod ban discord:111 5x", admin, true, `"5x" is not a duration`},
		{"mod ban discord:111 1d purge=maybe", admin, true, "purge takes yes or no"},
		{"mod ban discord:111 --purge", admin, true, "needs a value"},
		{"mod unban discord:42", admin, false, "Nothing to do: discord:42 is not banned"},
		{"mod approve", admin, true, "needs <id>"},
		{"mod approve x", admin, true, `"x" is not a held comment's number`},
		{"mod approve 77", admin, true, "there is no held comment 77"},
		{"mod reject 0", admin, true, "is not a held comment's number"},
		{"mod log 0", admin, true, "from 1 to 100"},
		{"mod log 500", admin, true, "from 1 to 100"},
		{`mod delete "unclosed`, admin, true, "never closed"},
		// Working commands.
		{"mod queue", admin, false, "casino night"},
		{"mod delete " + strconv.FormatInt(secondID.ID, 10) + " rude", admin, false, "is deleted"},
		{"mod delete " + strconv.FormatInt(secondID.ID, 10), admin, false, "deleted already"},
		{"mod ban <@111> 2h being rude purge=yes", admin, false, "1 of their comments"},
		{"mod ban @ben:test forever", admin, false, "until unbanned"},
		{"mod unban https://matrix.to/#/@ben:test", admin, false, "no longer banned"},
		{"mod reject 1 not here", admin, false, "rejected"},
		{"mod reject 1", admin, false, "rejected already"},
		{"mod log 3", admin, false, "Moderation log, latest 3"},
	}
	for _, tt := range tests {
		r := cmds.RunText(context.Background(), tt.req, tt.line)
		if r.Failed != tt.wantFailed || !strings.Contains(r.String(), tt.want) {
			t.Errorf("%q (admin %v): failed=%v %q; want failed=%v containing %q", tt.line, tt.req.Admin, r.Failed, r, tt.wantFailed, tt.want)
		}
	}

	log, err := db.ModLog(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range log {
		if e.Actor.ID == "999" {
			got = append(got, string(e.Action)+" "+e.Reason)
		}
	}
	want := []string{"reject not here", "unban ", "ban ", "purge purged with the ban of Ana (discord:111): being rude", "ban being rude; for 2h0m0s", "delete rude"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("moderators' log, newest first:\n got %q\nwant %q", got, want)
	}
	full := cmds.RunText(context.Background(), admin, "mod log")
	for _, s := range []string{"Mo (discord:999) · delete comment", "Herald (automatic rules) · hold"} {
		if !strings.Contains(full.String(), s) {
			t.Errorf("mod log = %q, want a line with %q", full, s)
		}
	}
}
