package engine

// flag describes a command, as Redis's command table does.
type flag uint16

const (
	flagWrite    flag = 1 << iota // may modify the keyspace
	flagReadonly                  // never modifies the keyspace
	flagFast                      // O(1) or O(log n)
	flagRandom                    // output depends on the random source
)

// command is one entry of the command table (miniredis cmd_*.go style):
// name, Redis arity (positive: exact; negative: at least), flags, the key
// positions for COMMAND INFO and WATCH, and the handler.
type command struct {
	name     string
	arity    int
	flags    flag
	firstKey int
	lastKey  int // -1: last argument
	step     int
	run      func(c *call) Reply
}

func (cmd *command) arityOK(n int) bool {
	if cmd.arity >= 0 {
		return n == cmd.arity
	}
	return n >= -cmd.arity
}

// commandTable maps lowercase names to commands. It is built once from the
// per-family tables and never changed.
var commandTable = buildTable(stringCommands, keyCommands, hashCommands, setCommands, scanCommands,
	zsetCommands, zsetOpCommands, listCommands, hllCommands, crdtCommands, geoCommands, zmpopCommands)

func buildTable(families ...[]command) map[string]*command {
	t := map[string]*command{}
	for _, f := range families {
		for i := range f {
			if _, dup := t[f[i].name]; dup {
				panic("engine: command registered twice: " + f[i].name)
			}
			t[f[i].name] = &f[i]
		}
	}
	return t
}

// CommandInfo describes a command for COMMAND INFO and WATCH.
type CommandInfo struct {
	Name                    string
	Arity                   int
	Write, Readonly, Fast   bool
	FirstKey, LastKey, Step int
}

// Commands lists every command the engine runs, sorted by name.
func Commands() []CommandInfo {
	out := make([]CommandInfo, 0, len(commandTable))
	for _, name := range sortedKeys(commandTable) {
		cmd := commandTable[name]
		out = append(out, CommandInfo{
			Name: cmd.name, Arity: cmd.arity,
			Write: cmd.flags&flagWrite != 0, Readonly: cmd.flags&flagReadonly != 0, Fast: cmd.flags&flagFast != 0,
			FirstKey: cmd.firstKey, LastKey: cmd.lastKey, Step: cmd.step,
		})
	}
	return out
}

// lowerASCIIBytes lowercases ASCII letters only, as Redis's strcasecmp compares
// command and option names: "\u212aEYS" (Kelvin sign) is not "keys".
func lowerASCIIBytes(b []byte) string {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return string(out)
}
