package discord

import (
	"context"
	"log/slog"

	"github.com/bwmarrin/discordgo"
)

// codeArchivedThread is Discord's answer to a change (edit, delete,
// reaction) of a message in an archived thread.
const codeArchivedThread = 50083

// unarchived runs op on a message of thread; when Discord refuses because
// the thread archived itself (after its inactivity time, a day by default),
// it unarchives the thread and runs op once more. Without this an edit,
// delete or reaction mirrored after a quiet day would be refused for good
// (a 400 is permanent). Discord's own client unarchives the same way; the
// thread archives again after the same time without activity. A locked
// thread stays refused: unarchiving it needs Manage Threads.
func (a *Adapter) unarchived(ctx context.Context, thread string, op func() error) error {
	err := op()
	if _, code := restCode(err); code != codeArchivedThread || thread == "" {
		return err
	}
	no := false
	if _, uerr := a.sess.ChannelEdit(thread, &discordgo.ChannelEdit{Archived: &no}, discordgo.WithContext(ctx)); uerr != nil {
		return a.classify(ctx, "unarchive thread", thread,
			discordgo.PermissionViewChannel|discordgo.PermissionSendMessagesInThreads, uerr)
	}
	a.log.Info("unarchived a thread to change a message in it", slog.String("thread", thread))
	return op()
}
