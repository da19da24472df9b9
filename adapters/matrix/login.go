package matrix

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/id"

	"github.com/heraldchat/herald/bot"
)

// connect returns the logged-in client, logging in on first use. Run and the
// first post may race here; the mutex makes one of them do it.
func (a *Adapter) connect(ctx context.Context) (*mautrix.Client, error) {
	// connMu makes one caller log in while the others wait; a.mu only
	// guards the field, so a retrying login never blocks the caches.
	a.connMu.Lock()
	defer a.connMu.Unlock()
	a.mu.Lock()
	cli := a.client
	a.mu.Unlock()
	if cli != nil {
		return cli, nil
	}
	if a.opt.Homeserver == "" {
		return nil, bot.Permanent(errors.New("matrix: no homeserver configured"))
	}
	if _, err := url.Parse(a.opt.Homeserver); err != nil {
		return nil, bot.Permanent(fmt.Errorf("matrix: homeserver %q: %w", a.opt.Homeserver, err))
	}
	cli, err := mautrix.NewClient(a.opt.Homeserver, id.UserID(a.opt.UserID), "")
	if err != nil {
		return nil, bot.Permanent(fmt.Errorf("matrix: homeserver %q: %w", a.opt.Homeserver, err))
	}
	cli.Client = a.opt.HTTPClient
	cli.UserAgent = "Herald (+https://github.com/heraldchat/herald)"
	// Retries are ours (see retry.go): mautrix would retry sends after
	// ambiguous failures without checking whether they went through, and it
	// ignores retry_after_ms.
	cli.DefaultHTTPRetries = 0

	switch {
	case a.opt.AccessToken != "":
		err = a.useToken(ctx, cli, a.opt.AccessToken)
	case a.opt.Password != "":
		err = a.passwordLogin(ctx, cli)
	default:
		err = bot.Permanent(errors.New("matrix: neither access_token nor password is configured"))
	}
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.client = cli
	a.mu.Unlock()
	a.log.Info("matrix logged in", slog.String("device_id", string(a.device)))
	return cli, nil
}

// reconnect drops the client and logs in again (after the token was revoked).
func (a *Adapter) reconnect(ctx context.Context) (*mautrix.Client, error) {
	a.dropClient()
	return a.connect(ctx)
}

// dropClient forgets the logged-in client; the next request logs in again.
func (a *Adapter) dropClient() {
	a.mu.Lock()
	a.client = nil
	a.mu.Unlock()
}

// useToken adopts an access token after asking the server whose it is.
func (a *Adapter) useToken(ctx context.Context, cli *mautrix.Client, token string) error {
	cli.AccessToken = token
	var who *mautrix.RespWhoami
	err := a.retry(ctx, "whoami", func(ctx context.Context) (err error) {
		who, err = cli.Whoami(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("matrix: check access token on %s: %w", a.opt.Homeserver, err)
	}
	if a.opt.UserID != "" && who.UserID != id.UserID(a.opt.UserID) {
		return bot.Permanent(fmt.Errorf("matrix: the access token belongs to %s, not to the configured user_id %s", who.UserID, a.opt.UserID))
	}
	cli.UserID, cli.DeviceID = who.UserID, who.DeviceID
	a.setIdentity(who.UserID, who.DeviceID)
	return nil
}

// passwordLogin reuses the token kept from the last run when it still works;
// otherwise it logs in again with the same device id, so a restart never
// adds a device to the account.
func (a *Adapter) passwordLogin(ctx context.Context, cli *mautrix.Client) error {
	if a.opt.UserID == "" {
		return bot.Permanent(errors.New("matrix: password login needs user_id"))
	}
	token, _ := a.state(ctx, "access_token")
	if token != "" {
		err := a.useToken(ctx, cli, token)
		if err == nil {
			return nil
		}
		if !errors.Is(err, mautrix.MUnknownToken) {
			return err
		}
		a.log.Info("matrix stored access token was revoked, logging in again")
	}
	device, _ := a.state(ctx, "device_id")
	localpart := a.opt.UserID
	if u, _, err := id.UserID(a.opt.UserID).Parse(); err == nil {
		localpart = u
	}
	var resp *mautrix.RespLogin
	err := a.retry(ctx, "login", func(ctx context.Context) (err error) {
		resp, err = cli.Login(ctx, &mautrix.ReqLogin{
			Type:                     mautrix.AuthTypePassword,
			Identifier:               mautrix.UserIdentifier{Type: mautrix.IdentifierTypeUser, User: localpart},
			Password:                 a.opt.Password,
			DeviceID:                 id.DeviceID(device),
			InitialDeviceDisplayName: a.opt.DeviceName,
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("matrix: log in as %s on %s: %w", a.opt.UserID, a.opt.Homeserver, err)
	}
	cli.SetCredentials(resp.UserID, resp.AccessToken)
	cli.DeviceID = resp.DeviceID
	a.setIdentity(resp.UserID, resp.DeviceID)
	if err := a.setState(ctx, "device_id", string(resp.DeviceID)); err != nil {
		return err
	}
	return a.setState(ctx, "access_token", resp.AccessToken)
}

// setIdentity records who the bot is. It writes only on a change, which
// after the first login means never (the device id is reused), so the many
// readers of a.user need no lock.
func (a *Adapter) setIdentity(user id.UserID, device id.DeviceID) {
	if a.user != user {
		a.user = user
	}
	if a.device != device {
		a.device = device
	}
}

// state reads one of this account's kept values; "" when unset.
func (a *Adapter) state(ctx context.Context, what string) (string, error) {
	if a.opt.State == nil {
		return "", nil
	}
	v, err := a.opt.State.State(ctx, a.stateKey(what))
	if errors.Is(err, bot.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("matrix: read %s: %w", what, err)
	}
	return v, nil
}

func (a *Adapter) setState(ctx context.Context, what, value string) error {
	if a.opt.State == nil {
		return nil
	}
	if err := a.opt.State.SetState(ctx, a.stateKey(what), value); err != nil {
		return fmt.Errorf("matrix: keep %s: %w", what, err)
	}
	return nil
}
