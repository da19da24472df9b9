package matrix

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
)

// ErrEncryptedRoom is the reason Herald refuses to post into a room with
// end-to-end encryption: it cannot encrypt yet, and plaintext in an
// encrypted room would be wrong. Errors carrying it are also bot.Permanent.
//
// Supporting such rooms would take mautrix's crypto package (OlmMachine,
// which needs libolm through cgo or its goolm build tag) with a crypto
// store kept beside Herald's database, one device identity that never
// changes (which is why the device id is already kept), uploading device
// and one-time keys, tracking the members' devices to share Megolm room
// keys with them, decrypting m.room.encrypted events from /sync (the
// filter would have to let them and to-device events through), and
// cross-signing or verification so people's clients trust the bot.
var ErrEncryptedRoom = errors.New("the room is end-to-end encrypted and Herald cannot post there yet")

// EncryptedRoomError names the encrypted room a post was refused for.
type EncryptedRoomError struct{ Room string }

func (e *EncryptedRoomError) Error() string {
	return fmt.Sprintf("matrix room %s: %v; post to an unencrypted room or remove the route", e.Room, ErrEncryptedRoom)
}

// Is makes errors.Is hold for both ErrEncryptedRoom and bot.ErrPermanent.
func (e *EncryptedRoomError) Is(target error) bool {
	return target == ErrEncryptedRoom || target == bot.ErrPermanent
}

// roomID turns a place's channel (a room id or an alias) into a room id.
func (a *Adapter) roomID(ctx context.Context, cli *mautrix.Client, channel bot.RemoteID) (id.RoomID, error) {
	s := string(channel)
	if !strings.HasPrefix(s, "#") {
		if !strings.HasPrefix(s, "!") {
			return "", bot.Permanent(fmt.Errorf("matrix: %q is neither a room id (!…) nor an alias (#…)", s))
		}
		return id.RoomID(s), nil
	}
	a.mu.Lock()
	room, ok := a.aliases[s]
	a.mu.Unlock()
	if ok {
		return room, nil
	}
	var resp *mautrix.RespAliasResolve
	err := a.retry(ctx, "resolve alias "+s, func(ctx context.Context) (err error) {
		resp, err = cli.ResolveAlias(ctx, id.RoomAlias(s))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("matrix: %w", err)
	}
	a.mu.Lock()
	a.aliases[s] = resp.RoomID
	a.mu.Unlock()
	return resp.RoomID, nil
}

// joinConfigured joins every configured room. A room that refuses us is
// logged and skipped (an invite may come later); only a cancelled ctx stops.
func (a *Adapter) joinConfigured(ctx context.Context) error {
	cli, err := a.connect(ctx)
	if err != nil {
		return err
	}
	for _, r := range a.opt.Rooms {
		if err := a.join(ctx, cli, r); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			a.log.Error("matrix could not join a configured room; invite the bot", slog.String("room", r), slog.String("error", err.Error()))
		}
	}
	return nil
}

// join joins a room by id or alias and checks it for encryption.
func (a *Adapter) join(ctx context.Context, cli *mautrix.Client, room string) error {
	var resp *mautrix.RespJoinRoom
	err := a.retry(ctx, "join "+room, func(ctx context.Context) (err error) {
		resp, err = cli.JoinRoom(ctx, room, nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("matrix: %w", err)
	}
	if strings.HasPrefix(room, "#") {
		a.mu.Lock()
		a.aliases[room] = resp.RoomID
		a.mu.Unlock()
	}
	a.log.Info("matrix joined room", slog.String("room", room), slog.String("room_id", string(resp.RoomID)))
	if enc, err := a.isEncrypted(ctx, cli, resp.RoomID); err == nil && enc {
		a.warnEncrypted(resp.RoomID)
	}
	return nil
}

// wantInvite says whether to accept an invite: to a configured room, or
// from an admin.
func (a *Adapter) wantInvite(ctx context.Context, cli *mautrix.Client, room id.RoomID, inviter id.UserID) bool {
	if slices.Contains(a.opt.AdminUsers, string(inviter)) {
		return true
	}
	for _, r := range a.opt.Rooms {
		if r == string(room) {
			return true
		}
		if strings.HasPrefix(r, "#") {
			if got, err := a.roomID(ctx, cli, bot.RemoteID(r)); err == nil && got == room {
				return true
			}
		}
	}
	return false
}

// isEncrypted says whether a room has m.room.encryption, asking the server
// once per room; /sync keeps the answer current afterwards.
func (a *Adapter) isEncrypted(ctx context.Context, cli *mautrix.Client, room id.RoomID) (bool, error) {
	a.mu.Lock()
	enc, known := a.encrypted[room]
	a.mu.Unlock()
	if known {
		return enc, nil
	}
	var content event.EncryptionEventContent
	err := a.retry(ctx, "read encryption state of "+string(room), func(ctx context.Context) error {
		err := cli.StateEvent(ctx, room, event.StateEncryption, "", &content)
		if errors.Is(err, mautrix.MNotFound) {
			return nil
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("matrix: %w", err)
	}
	enc = content.Algorithm != ""
	a.setEncrypted(room, enc)
	return enc, nil
}

func (a *Adapter) setEncrypted(room id.RoomID, enc bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.encrypted[room] = enc
}

func (a *Adapter) warnEncrypted(room id.RoomID) {
	a.log.Warn("matrix room is end-to-end encrypted: Herald will not post there (it cannot encrypt yet)",
		slog.String("room_id", string(room)))
}

// refuseEncrypted fails with an EncryptedRoomError for encrypted rooms.
func (a *Adapter) refuseEncrypted(ctx context.Context, cli *mautrix.Client, room id.RoomID) error {
	enc, err := a.isEncrypted(ctx, cli, room)
	if err != nil {
		return err
	}
	if enc {
		return &EncryptedRoomError{Room: string(room)}
	}
	return nil
}
