package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/heraldchat/herald/bot"
	"github.com/heraldchat/herald/richtext"
	"github.com/heraldchat/herald/store"
	"github.com/heraldchat/herald/store/storetest"
)

var (
	modAdmin = bot.Author{Platform: bot.Discord, ID: "9000", Name: "Ada"}
	modBob   = bot.Author{Platform: bot.Matrix, ID: "@bob:test", Name: "Bob"}
)

// modArticle stores an article posted to relayD (thread "t1") and relayM.
func modArticle(t *testing.T, db *store.DB) int64 {
	t.Helper()
	ctx := context.Background()
	a := relayArticles(t, db, 1)[0]
	if err := db.Enqueue(ctx,
		bot.OutboxRow{Kind: bot.PostArticle, Target: relayD, ArticleID: a, Key: "pd"},
		bot.OutboxRow{Kind: bot.PostArticle, Target: relayM, ArticleID: a, Key: "pm"}); err != nil {
		t.Fatal(err)
	}
	rows, err := db.OutboxRows(ctx, bot.OutboxPending, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		ref := bot.PostRef{Place: r.Target, Message: "post-" + bot.RemoteID(r.Target.Platform), Thread: "t-" + bot.RemoteID(r.Target.Platform)}
		if err := db.CompletePost(ctx, r.ID, ref); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

func modComment(a int64, place bot.Place, msg string, by bot.Author, text string, at time.Time) bot.Comment {
	return bot.Comment{ArticleID: a, Origin: bot.PostRef{Place: place, Message: bot.RemoteID(msg), Thread: "t-" + bot.RemoteID(place.Platform)},
		Author: by, Body: richtext.FromPlain(text), Created: at}
}

// pendingKinds lists the pending outbox rows of a comment as kind@platform.
func pendingKinds(t *testing.T, db *store.DB, commentID int64) []string {
	t.Helper()
	rows, err := db.OutboxRows(context.Background(), bot.OutboxPending, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		if r.CommentID == commentID {
			out = append(out, string(r.Kind)+"@"+string(r.Target.Platform))
		}
	}
	slices.Sort(out)
	return out
}

func TestModerationBansAndLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		_, err := db.Ban(ctx, modBob.Platform, modBob.ID)
		wantErrIs(t, "Ban before banning", err, bot.ErrNotFound)
		b := bot.Ban{Author: modBob, Reason: "insults", By: modAdmin, Created: relayT, Expires: relayT.Add(time.Hour)}
		if err := db.SetBan(ctx, b, bot.ModLogEntry{At: relayT, Actor: modAdmin, Action: bot.ModBan, Target: "matrix:@bob:test", Reason: "insults"}); err != nil {
			t.Fatal(err)
		}
		got, err := db.Ban(ctx, modBob.Platform, modBob.ID)
		if err != nil || got.Reason != "insults" || !got.Expires.Equal(relayT.Add(time.Hour)) || got.By.ID != modAdmin.ID {
			t.Fatalf("Ban = %+v, %v; want the ban just set", got, err)
		}
		if !got.Active(relayT.Add(59*time.Minute)) || got.Active(relayT.Add(time.Hour)) {
			t.Errorf("ban active at +59m = %v, at +60m = %v; want true, false", got.Active(relayT.Add(59*time.Minute)), got.Active(relayT.Add(time.Hour)))
		}
		// A second ban replaces the first.
		b.Expires, b.Reason = time.Time{}, "again"
		if err := db.SetBan(ctx, b, bot.ModLogEntry{At: relayT.Add(time.Minute), Actor: modAdmin, Action: bot.ModBan, Target: "matrix:@bob:test"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Ban(ctx, modBob.Platform, modBob.ID); got.Reason != "again" || !got.Expires.IsZero() {
			t.Errorf("after a second ban: %+v, want reason again and no end", got)
		}
		if err := db.LiftBan(ctx, modBob.Platform, modBob.ID, bot.ModLogEntry{At: relayT.Add(2 * time.Minute), Actor: modAdmin, Action: bot.ModUnban, Target: "matrix:@bob:test"}); err != nil {
			t.Fatal(err)
		}
		err = db.LiftBan(ctx, modBob.Platform, modBob.ID, bot.ModLogEntry{Actor: modAdmin, Action: bot.ModUnban})
		wantErrIs(t, "LiftBan of no ban", err, bot.ErrNotFound)

		// A rule's entry with a Ref is logged once.
		for range 2 {
			if err := db.AddModLog(ctx, bot.ModLogEntry{At: relayT.Add(3 * time.Minute), Actor: bot.RulesActor(), Action: bot.ModDrop, Target: "x", Ref: "drop:matrix:$1"}); err != nil {
				t.Fatal(err)
			}
		}
		log, err := db.ModLog(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range log {
			actions = append(actions, string(e.Action))
		}
		if want := []string{"drop", "unban", "ban", "ban"}; !slices.Equal(actions, want) {
			t.Errorf("log actions newest first = %v, want %v (the failed unban is not logged, the replayed drop once)", actions, want)
		}
		if log[3].Actor.Name != "Ada" || log[3].Reason != "insults" || !log[3].At.Equal(relayT) {
			t.Errorf("oldest entry = %+v, want Ada's ban for insults at %s", log[3], relayT)
		}
		if two, _ := db.ModLog(ctx, 2); len(two) != 2 {
			t.Errorf("ModLog(2) gave %d entries", len(two))
		}
	})
}

func TestModerationRemoveComment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := modArticle(t, db)
		c, isNew, err := db.SaveComment(ctx, modComment(a, relayD, "m1", bot.Author{Platform: bot.Discord, ID: "1", Name: "Cy"}, "hello", relayT))
		if err != nil || !isNew {
			t.Fatalf("save: %v %v", isNew, err)
		}
		rows, _ := db.OutboxRows(ctx, bot.OutboxPending, 0)
		for _, r := range rows {
			if r.CommentID == c.ID {
				if err := db.CompleteMirror(ctx, r.ID, c.ID, r.Target, []bot.RemoteID{"mx-copy"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		entry := bot.ModLogEntry{At: relayT, Actor: modAdmin, Action: bot.ModDelete, Target: "comment", Reason: "spam"}
		got, changed, err := db.RemoveComment(ctx, c.ID, relayT.Add(time.Minute), entry)
		if err != nil || !changed || got.Deleted.IsZero() || got.Body.PlainText() != "" {
			t.Fatalf("RemoveComment = %+v, %v, %v; want deleted with no body", got, changed, err)
		}
		if got, want := pendingKinds(t, db, c.ID), []string{"delete_comment@discord", "delete_comment@matrix"}; !slices.Equal(got, want) {
			t.Errorf("rows queued = %v, want %v (the Matrix mirror and the Discord original)", got, want)
		}
		if _, changed, _ := db.RemoveComment(ctx, c.ID, relayT.Add(2*time.Minute), entry); changed {
			t.Error("removing twice changed something")
		}
		// A late edit and a replayed create change nothing.
		if _, changed, _ := db.EditComment(ctx, bot.Discord, "m1", richtext.FromPlain("back!"), relayT.Add(time.Hour)); changed {
			t.Error("an edit after the removal was applied")
		}
		if _, isNew, _ := db.SaveComment(ctx, modComment(a, relayD, "m1", c.Author, "hello", relayT)); isNew {
			t.Error("a replayed create after the removal made a new comment")
		}
		stored, _ := db.Comment(ctx, c.ID)
		if stored.Deleted.IsZero() || stored.Body.PlainText() != "" {
			t.Errorf("stored comment = %+v, want deleted and empty", stored)
		}
		log, _ := db.ModLog(ctx, 0)
		if len(log) != 1 || log[0].Reason != "spam" {
			t.Errorf("log = %+v, want one delete for spam", log)
		}
	})
}

func TestModerationQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := modArticle(t, db)
		c := modComment(a, relayM, "$held", modBob, "buy now", relayT)
		h, err := db.Hold(ctx, c, "word rule", bot.ModLogEntry{Actor: bot.RulesActor(), Action: bot.ModHold, Ref: "hold:matrix:$held"})
		if err != nil || h.ID == 0 || h.State != bot.HeldPending {
			t.Fatalf("Hold = %+v, %v", h, err)
		}
		again, err := db.Hold(ctx, c, "word rule", bot.ModLogEntry{Actor: bot.RulesActor(), Action: bot.ModHold, Ref: "hold:matrix:$held"})
		if err != nil || again.ID != h.ID {
			t.Fatalf("Hold replayed = %+v, %v; want entry %d", again, err, h.ID)
		}
		c.Body, c.Edited = richtext.FromPlain("buy now, edited"), relayT.Add(time.Minute)
		if err := db.UpdateHeld(ctx, h.ID, c); err != nil {
			t.Fatal(err)
		}
		list, err := db.HeldComments(ctx, 0)
		if err != nil || len(list) != 1 || list[0].Comment.Body.PlainText() != "buy now, edited" || list[0].Comment.Author != modBob {
			t.Fatalf("HeldComments = %+v, %v", list, err)
		}
		if cs, _ := db.Comments(ctx, a); len(cs) != 0 {
			t.Errorf("a held comment is among the article's comments: %+v", cs)
		}
		act, err := db.AuthorActivity(ctx, modBob.Platform, modBob.ID, relayT.Add(-time.Minute), "")
		if err != nil || len(act.Recent) != 1 || act.Seen != 0 {
			t.Errorf("AuthorActivity = %+v, %v; want the held comment, never seen", act, err)
		}

		rej, err := db.DecideHeld(ctx, h.ID, bot.HeldRejected, relayT.Add(2*time.Minute), bot.ModLogEntry{Actor: modAdmin, Action: bot.ModReject})
		if err != nil || rej.State != bot.HeldRejected {
			t.Fatalf("DecideHeld reject = %+v, %v", rej, err)
		}
		_, err = db.DecideHeld(ctx, h.ID, bot.HeldApproved, relayT, bot.ModLogEntry{Actor: modAdmin, Action: bot.ModApprove})
		wantErrIs(t, "deciding twice", err, bot.ErrExists)
		gone, err := db.CommentByOrigin(ctx, bot.Matrix, "$held")
		if err != nil || gone.Deleted.IsZero() {
			t.Fatalf("rejected comment = %+v, %v; want stored as deleted", gone, err)
		}
		if got, want := pendingKinds(t, db, gone.ID), []string{"delete_comment@matrix"}; !slices.Equal(got, want) {
			t.Errorf("rows queued = %v, want %v (the original's removal only)", got, want)
		}
		if list, _ := db.HeldComments(ctx, 0); len(list) != 0 {
			t.Errorf("queue after the decision = %+v, want empty", list)
		}
		_, err = db.DecideHeld(ctx, 999, bot.HeldApproved, relayT, bot.ModLogEntry{Actor: modAdmin, Action: bot.ModApprove})
		wantErrIs(t, "deciding an unknown entry", err, bot.ErrNotFound)

		// A held comment its author deletes is no longer listed.
		c2 := modComment(a, relayM, "$held2", modBob, "casino again", relayT)
		if _, err := db.Hold(ctx, c2, "word rule", bot.ModLogEntry{Actor: bot.RulesActor(), Action: bot.ModHold}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.DeleteComment(ctx, a, c2.Origin, relayT.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if list, _ := db.HeldComments(ctx, 0); len(list) != 0 {
			t.Errorf("queue after the author deleted a held comment = %+v, want empty", list)
		}
	})
}

func TestModerationDrop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := modArticle(t, db)
		dup := modComment(a, relayD, "m2", bot.Author{Platform: bot.Discord, ID: "1"}, "same", relayT)
		if err := db.Drop(ctx, dup, false, relayT, bot.ModLogEntry{Actor: bot.RulesActor(), Action: bot.ModDrop, Ref: "drop:discord:m2"}); err != nil {
			t.Fatal(err)
		}
		saved, isNew, err := db.SaveComment(ctx, dup)
		if err != nil || isNew || saved.ID != 0 {
			t.Errorf("saving a dropped comment = %+v, %v, %v; want nothing stored", saved, isNew, err)
		}
		banned := modComment(a, relayD, "m3", bot.Author{Platform: bot.Discord, ID: "2"}, "troll", relayT)
		if err := db.Drop(ctx, banned, true, relayT, bot.ModLogEntry{Actor: bot.RulesActor(), Action: bot.ModRemove, Ref: "remove:discord:m3"}); err != nil {
			t.Fatal(err)
		}
		c, err := db.CommentByOrigin(ctx, bot.Discord, "m3")
		if err != nil || c.Deleted.IsZero() || c.Body.PlainText() != "" {
			t.Fatalf("removed comment = %+v, %v; want stored deleted without its text", c, err)
		}
		if got, want := pendingKinds(t, db, c.ID), []string{"delete_comment@discord"}; !slices.Equal(got, want) {
			t.Errorf("rows queued = %v, want %v", got, want)
		}
		err = db.Drop(ctx, bot.Comment{ArticleID: a}, false, relayT, bot.ModLogEntry{Action: bot.ModDrop})
		if err == nil {
			t.Error("Drop of a comment without origin succeeded")
		}
		if errors.Is(err, bot.ErrNotFound) {
			t.Errorf("Drop without origin: %v, want a plain validation error", err)
		}
	})
}

func TestModerationAuthors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := modArticle(t, db)
		cy := bot.Author{Platform: bot.Discord, ID: "1", Name: "Cy"}
		for i, text := range []string{"one", "two", "three"} {
			if _, _, err := db.SaveComment(ctx, modComment(a, relayD, "c"+text, cy, text, relayT.Add(time.Duration(i)*time.Minute))); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := db.SaveComment(ctx, modComment(a, relayM, "$x", bot.Author{Platform: bot.Matrix, ID: "@cy:test", Name: "cy"}, "hi", relayT)); err != nil {
			t.Fatal(err)
		}
		act, err := db.AuthorActivity(ctx, bot.Discord, "1", relayT.Add(time.Minute), "cthree")
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, c := range act.Recent {
			texts = append(texts, c.Body.PlainText())
		}
		if !slices.Equal(texts, []string{"two"}) || act.Seen != 2 {
			t.Errorf("activity since +1m excluding the third = %v seen %d; want [two] seen 2", texts, act.Seen)
		}
		named, err := db.AuthorsNamed(ctx, "CY")
		if err != nil || len(named) != 2 {
			t.Errorf("AuthorsNamed(CY) = %+v, %v; want both Cys", named, err)
		}
		by, err := db.CommentsBy(ctx, bot.Discord, "1")
		if err != nil || len(by) != 3 {
			t.Errorf("CommentsBy = %d comments, %v; want 3", len(by), err)
		}
	})
}

// TestModerationDecideOnce: two admins deciding one held comment at once
// (two instances sharing PostgreSQL, say): exactly one decision holds.
func TestModerationDecideOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := modArticle(t, db)
		h, err := db.Hold(ctx, modComment(a, relayM, "$race", modBob, "casino", relayT), "word rule",
			bot.ModLogEntry{Actor: bot.RulesActor(), Action: bot.ModHold})
		if err != nil {
			t.Fatal(err)
		}
		errs := make(chan error, 8)
		for i := range 8 {
			go func() {
				state := bot.HeldApproved
				if i%2 == 1 {
					state = bot.HeldRejected
				}
				_, err := db.DecideHeld(ctx, h.ID, state, relayT, bot.ModLogEntry{Actor: modAdmin, Action: bot.ModApprove})
				errs <- err
			}()
		}
		won := 0
		for range 8 {
			err := <-errs
			switch {
			case err == nil:
				won++
			case !errors.Is(err, bot.ErrExists):
				t.Errorf("a losing decision failed with %v, want ErrExists", err)
			}
		}
		if won != 1 {
			t.Errorf("%d decisions won, want exactly 1", won)
		}
		log, _ := db.ModLog(ctx, 0)
		if n := len(log) - 1; n != 1 { // minus the hold
			t.Errorf("%d decisions logged, want 1", n)
		}

		// Likewise several moderators deleting one comment at once.
		c, _, err := db.SaveComment(ctx, modComment(a, relayD, "m-race", modAdmin, "contested", relayT))
		if err != nil {
			t.Fatal(err)
		}
		changed := make(chan bool, 8)
		for range 8 {
			go func() {
				_, ch, err := db.RemoveComment(ctx, c.ID, relayT, bot.ModLogEntry{Actor: modAdmin, Action: bot.ModDelete})
				if err != nil {
					t.Errorf("RemoveComment: %v", err)
				}
				changed <- ch
			}()
		}
		n := 0
		for range 8 {
			if <-changed {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d of 8 concurrent removals changed the comment, want 1", n)
		}
	})
}
