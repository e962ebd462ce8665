//go:build unix

package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// serverUser is the user the server runs as when this process is root,
// which PostgreSQL refuses to run as; nil otherwise.
var serverUser *syscall.Credential

// ownDir gives dir to the user the server runs as: postgres, or nobody,
// when this process is root.
func ownDir(dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	var u *user.User
	var err error
	for _, name := range []string{"postgres", "nobody"} {
		if u, err = user.Lookup(name); err == nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("pgtest: running as root, and no user postgres or nobody to run the server as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return err
	}
	serverUser = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	return nil
}

// asServerUser runs cmd as the server's user, and, for the server itself,
// has it stopped if the test process dies first (on Linux).
func asServerUser(cmd *exec.Cmd, server bool) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: serverUser}
	if server {
		setDeathSignal(cmd.SysProcAttr)
	}
}

func quit(p *os.Process) { p.Signal(syscall.SIGQUIT) }
