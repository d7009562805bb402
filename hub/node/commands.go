package node

import (
	_ "embed"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"

	"lattice/shared/engine"
	"lattice/shared/resp"
)

// hostCmd describes a command the hub answers itself rather than the
// engine: connection and server commands.
type hostCmd struct {
	arity   int            // Redis arity: positive exact, negative at least
	noMulti bool           // refused inside MULTI ("not allowed inside a transaction")
	subs    map[string]int // subcommand arities; nil: no subcommands
	help    string         // name in "Try X HELP."
}

// isHost reports whether the hub answers the command itself.
func (h hostCmd) isHost() bool { return h.arity != 0 }

// hostCommands are the commands the hub answers itself, with Redis's
// arities. QUIT and a well-formed RESET are answered before routing and
// never queued, as in Redis; RESET is listed for its arity error, which
// inside MULTI aborts the transaction.
var hostCommands = map[string]hostCmd{
	"ping":   {arity: -1},
	"echo":   {arity: 2},
	"select": {arity: 2},
	"auth":   {arity: -2},
	"hello":  {arity: -1},
	"reset":  {arity: 1},
	"client": {arity: -2, help: "CLIENT", subs: map[string]int{
		"setname": 3, "getname": 2, "id": 2, "info": 2, "list": -2, "kill": -3, "no-evict": 3, "no-touch": 3,
		"reply": 3, "setinfo": 4, "getredir": 2, "unpause": 2, "help": 2}},
	"command": {arity: -1, help: "COMMAND", subs: map[string]int{
		"count": 2, "info": -2, "docs": -2, "list": -2, "getkeys": -4, "getkeysandflags": -4, "help": 2}},
	"config": {arity: -2, help: "CONFIG", subs: map[string]int{
		"get": -3, "set": -4, "resetstat": 2, "rewrite": 2, "help": 2}},
	"info":         {arity: -1},
	"time":         {arity: 1},
	"lastsave":     {arity: 1},
	"save":         {arity: 1, noMulti: true},
	"bgsave":       {arity: -1},
	"bgrewriteaof": {arity: 1},
	"shutdown":     {arity: -1, noMulti: true},
	"monitor":      {arity: 1},
	// CRDT.FORGET name|replica-id|address: removes a dead peer from the
	// mesh, so that it stops blocking garbage collection (mesh.Forget).
	"crdt.forget": {arity: 2, noMulti: true},
}

// txCommands are the transaction commands the engine's Session answers.
var txCommands = []string{"discard", "exec", "multi", "unwatch", "watch"}

// unlistedCommands are answered but not listed by COMMAND: MONITOR
// answers an error.
var unlistedCommands = map[string]bool{"monitor": true}

// cmdNames lists every command name the hub knows, sorted; cmdIndex maps
// a name to its position, for the per-command counters.
var cmdNames, cmdIndex = buildCommandNames()

func buildCommandNames() ([]string, map[string]int) {
	seen := map[string]bool{}
	for _, ci := range engine.Commands() {
		seen[ci.Name] = true
	}
	for name := range hostCommands {
		seen[name] = true
	}
	for _, name := range hubCommandNames() { // pub/sub and blocking commands (block.go)
		seen[name] = true
	}
	for _, name := range txCommands {
		seen[name] = true
	}
	names := make([]string, 0, len(seen))
	for name := range seen {
		names = append(names, name)
	}
	sort.Strings(names)
	idx := make(map[string]int, len(names))
	for i, name := range names {
		idx[name] = i
	}
	return names, idx
}

// lookupCommand returns a command's lowercase name and its index in
// cmdNames (-1 when unknown). Known names are looked up without
// allocating.
func lookupCommand(arg []byte) (string, int) {
	var buf [32]byte
	if len(arg) <= len(buf) {
		for i, ch := range arg {
			if 'A' <= ch && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			buf[i] = ch
		}
		if i, ok := cmdIndex[string(buf[:len(arg)])]; ok {
			return cmdNames[i], i
		}
		return string(buf[:len(arg)]), -1
	}
	return strings.ToLower(string(arg)), -1
}

// countCommand counts one command for INFO and /metrics.
func (n *Node) countCommand(idx int) {
	n.ops.stats.commands.Add(1)
	if idx >= 0 {
		n.ops.stats.perCmd[idx].Add(1)
	}
}

// checkHost validates a host command as Redis does before running or
// queueing it: arity, MULTI, and the subcommand and its arity. It returns
// an error reply, or a zero Reply when the command is valid.
func checkHost(name string, args [][]byte, inMulti bool) engine.Reply {
	h := hostCommands[name]
	if h.arity >= 0 && len(args) != h.arity || h.arity < 0 && len(args) < -h.arity {
		return arityErr(name)
	}
	if inMulti && h.noMulti {
		return errR("ERR Command not allowed inside a transaction")
	}
	if h.subs == nil || len(args) < 2 {
		return engine.Reply{}
	}
	sub := strings.ToLower(string(args[1]))
	ar, ok := h.subs[sub]
	switch {
	case !ok:
		return errR("ERR unknown subcommand '" + string(args[1]) + "'. Try " + h.help + " HELP.")
	case ar >= 0 && len(args) != ar || ar < 0 && len(args) < -ar:
		return arityErr(name + "|" + sub)
	}
	return engine.Reply{}
}

// commandsData holds redis-server 7.0.15's COMMAND INFO and COMMAND DOCS
// replies (RESP3, every command Redis has: about 240 KB); commands_test.go
// regenerates it (go test ./hub/node -run TestCommandsData -update-commands).
//
//go:embed commands.resp
var commandsData []byte

// commandMeta is one command's COMMAND INFO and COMMAND DOCS entries.
type commandMeta struct {
	info engine.Reply // the 10-element COMMAND INFO entry
	docs engine.Reply // the COMMAND DOCS map
}

var (
	metaOnce   sync.Once
	metaByName map[string]*commandMeta
	metaNames  []string // the commands COMMAND lists, sorted
)

// commandMetas builds, once, the metadata of every command the hub
// lists: Redis's where Redis has the command (flags, ACL categories,
// tips, key specs, docs), with name, arity and key positions from the
// engine's table; built from the engine's table otherwise.
func commandMetas() (map[string]*commandMeta, []string) {
	metaOnce.Do(func() {
		redisInfo, redisDocs := parseCommandsData()
		metaByName = map[string]*commandMeta{}
		for _, ci := range engine.Commands() {
			m := &commandMeta{info: engineInfo(ci, redisInfo[ci.Name]), docs: redisDocs[ci.Name]}
			if m.docs.Kind != engine.KindMap {
				m.docs = ownDocs(ci.Name)
			}
			metaByName[ci.Name] = m
		}
		for _, name := range cmdNames {
			if metaByName[name] != nil || unlistedCommands[name] {
				continue
			}
			info, ok := redisInfo[name]
			if !ok {
				continue
			}
			metaByName[name] = &commandMeta{info: filterSubcommands(name, info, 9), docs: filterDocs(name, redisDocs[name])}
		}
		for name := range metaByName {
			metaNames = append(metaNames, name)
		}
		sort.Strings(metaNames)
	})
	return metaByName, metaNames
}

// parseCommandsData reads the embedded replies, by command name.
func parseCommandsData() (info, docs map[string]engine.Reply) {
	info, docs = map[string]engine.Reply{}, map[string]engine.Reply{}
	v, n, err := resp.ReadReply(commandsData)
	if err != nil {
		return info, docs
	}
	for _, e := range v.Elems {
		if len(e.Elems) == 10 {
			info[string(e.Elems[0].Str)] = fromValue(e)
		}
	}
	v, _, err = resp.ReadReply(commandsData[n:])
	if err != nil {
		return info, docs
	}
	for i := 0; i+1 < len(v.Elems); i += 2 {
		docs[string(v.Elems[i].Str)] = fromValue(v.Elems[i+1])
	}
	return info, docs
}

// fromValue converts a parsed reply into an engine.Reply, which the hub
// writes in the client's protocol.
func fromValue(v resp.Value) engine.Reply {
	r := engine.Reply{Str: v.Str, Int: v.Int}
	switch v.Type {
	case resp.TypeSimple:
		r.Kind = engine.KindSimple
	case resp.TypeError:
		r.Kind = engine.KindError
	case resp.TypeInt:
		r.Kind = engine.KindInt
	case resp.TypeBulk:
		r.Kind = engine.KindBulk
		if v.Null {
			r.Kind = engine.KindNull
		}
	case resp.TypeNull:
		r.Kind = engine.KindNull
	case resp.TypeMap:
		r.Kind = engine.KindMap
	case resp.TypeSet:
		r.Kind = engine.KindSet
	default:
		r.Kind = engine.KindArray
	}
	for _, e := range v.Elems {
		r.Elems = append(r.Elems, fromValue(e))
	}
	return r
}

// engineInfo builds a COMMAND INFO entry: the engine's name, arity and key
// positions; Redis's flags, categories, tips and key specs when Redis has
// the command, else ones derived from the engine's flags.
func engineInfo(ci engine.CommandInfo, redis engine.Reply) engine.Reply {
	// Redis writes flags, categories, tips, key specs and subcommands as
	// sets (arrays in RESP2).
	el := []engine.Reply{bulk(ci.Name), integer(int64(ci.Arity)), {}, integer(int64(ci.FirstKey)),
		integer(int64(ci.LastKey)), integer(int64(ci.Step)), {}, {Kind: engine.KindSet}, {}, {Kind: engine.KindSet}}
	if len(redis.Elems) == 10 {
		el[2], el[6], el[7], el[8] = redis.Elems[2], redis.Elems[6], redis.Elems[7], redis.Elems[8]
		return engine.Reply{Kind: engine.KindArray, Elems: el}
	}
	var flags, cats []engine.Reply
	keyFlags := []engine.Reply{simple("RO"), simple("access")}
	if ci.Write {
		flags, cats = append(flags, simple("write")), append(cats, simple("@write"))
		keyFlags = []engine.Reply{simple("RW"), simple("update")}
	}
	if ci.Readonly {
		flags, cats = append(flags, simple("readonly")), append(cats, simple("@read"))
	}
	if ci.Fast {
		flags, cats = append(flags, simple("fast")), append(cats, simple("@fast"))
	} else {
		cats = append(cats, simple("@slow"))
	}
	el[2] = engine.Reply{Kind: engine.KindSet, Elems: flags}
	el[6] = engine.Reply{Kind: engine.KindSet, Elems: cats}
	el[8] = engine.Reply{Kind: engine.KindSet}
	if ci.FirstKey > 0 {
		last := ci.LastKey - ci.FirstKey
		if ci.LastKey < 0 {
			last = ci.LastKey
		}
		el[8].Elems = []engine.Reply{{Kind: engine.KindMap, Elems: []engine.Reply{
			bulk("flags"), {Kind: engine.KindSet, Elems: keyFlags},
			bulk("begin_search"), {Kind: engine.KindMap, Elems: []engine.Reply{bulk("type"), bulk("index"),
				bulk("spec"), {Kind: engine.KindMap, Elems: []engine.Reply{bulk("index"), integer(int64(ci.FirstKey))}}}},
			bulk("find_keys"), {Kind: engine.KindMap, Elems: []engine.Reply{bulk("type"), bulk("range"),
				bulk("spec"), {Kind: engine.KindMap, Elems: []engine.Reply{bulk("lastkey"), integer(int64(last)),
					bulk("keystep"), integer(int64(max(ci.Step, 1))), bulk("limit"), integer(0)}}}},
		}}}
	}
	return engine.Reply{Kind: engine.KindArray, Elems: el}
}

// ownDocs documents the commands Redis does not have.
func ownDocs(name string) engine.Reply {
	summary, complexity := "A Lattice command.", "O(1)"
	args := engine.Reply{Kind: engine.KindArray, Elems: []engine.Reply{{Kind: engine.KindMap, Elems: []engine.Reply{
		bulk("name"), bulk("key"), bulk("type"), bulk("key"), bulk("key_spec_index"), integer(0)}}}}
	switch name {
	case "crdt.explain":
		summary = "Shows the concurrent writes a key holds and which merge rule decides its value"
		complexity = "O(N) where N is the number of concurrent writes shown (at most 100 fields or members)"
	case "crdt.digest":
		summary = "Returns a SHA-256 of the replica's state: replicas that merged the same writes answer the same"
		complexity = "O(N) where N is the size of the dataset"
		args = engine.Reply{Kind: engine.KindArray}
	}
	return engine.Reply{Kind: engine.KindMap, Elems: []engine.Reply{
		bulk("summary"), bulk(summary), bulk("since"), bulk("0.1.0"), bulk("group"), bulk("generic"),
		bulk("complexity"), bulk(complexity), bulk("arguments"), args,
	}}
}

// filterSubcommands keeps, in a host command's INFO entry (the
// subcommands at position pos), only the subcommands the hub answers.
func filterSubcommands(name string, info engine.Reply, pos int) engine.Reply {
	subs := hostCommands[name].subs
	if subs == nil || len(info.Elems) <= pos {
		return info
	}
	out := info
	out.Elems = append([]engine.Reply(nil), info.Elems...)
	var kept []engine.Reply
	for _, s := range info.Elems[pos].Elems {
		if len(s.Elems) > 0 {
			if _, sub, _ := strings.Cut(string(s.Elems[0].Str), "|"); subs[sub] != 0 {
				kept = append(kept, s)
			}
		}
	}
	out.Elems[pos] = engine.Reply{Kind: info.Elems[pos].Kind, Elems: kept}
	return out
}

// filterDocs keeps, in a host command's docs, only the subcommands the
// hub answers.
func filterDocs(name string, docs engine.Reply) engine.Reply {
	subs := hostCommands[name].subs
	if subs == nil || docs.Kind != engine.KindMap {
		return docs
	}
	out := docs
	out.Elems = append([]engine.Reply(nil), docs.Elems...)
	for i := 0; i+1 < len(out.Elems); i += 2 {
		if string(out.Elems[i].Str) != "subcommands" {
			continue
		}
		var kept []engine.Reply
		m := out.Elems[i+1]
		for j := 0; j+1 < len(m.Elems); j += 2 {
			if _, sub, _ := strings.Cut(string(m.Elems[j].Str), "|"); subs[sub] != 0 {
				kept = append(kept, m.Elems[j], m.Elems[j+1])
			}
		}
		out.Elems[i+1] = engine.Reply{Kind: engine.KindMap, Elems: kept}
	}
	return out
}

// commandHelp is COMMAND HELP's text (redis-server 7.0).
var commandHelp = []string{
	"COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"(no subcommand)",
	"    Return details about all Redis commands.",
	"COUNT",
	"    Return the total number of commands in this Redis server.",
	"LIST",
	"    Return a list of all commands in this Redis server.",
	"INFO [<command-name> ...]",
	"    Return details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"DOCS [<command-name> ...]",
	"    Return documentation details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"GETKEYS <full-command>",
	"    Return the keys from a full Redis command.",
	"GETKEYSANDFLAGS <full-command>",
	"    Return the keys and the access flags from a full Redis command.",
	"HELP",
	"    Prints this help.",
}

// commandCmd answers COMMAND; checkHost has validated the subcommand and
// its arity.
func (n *Node) commandCmd(args [][]byte) engine.Reply {
	metas, names := commandMetas()
	if len(args) == 1 {
		out := make([]engine.Reply, 0, len(names))
		for _, name := range names {
			out = append(out, metas[name].info)
		}
		return engine.Reply{Kind: engine.KindArray, Elems: out}
	}
	switch strings.ToLower(string(args[1])) {
	case "count":
		return integer(int64(len(names)))
	case "info":
		return commandInfo(metas, names, args[2:])
	case "docs":
		return commandDocs(metas, names, args[2:])
	case "list":
		return commandList(metas, names, args[2:])
	case "getkeys", "getkeysandflags":
		return commandGetKeys(metas, args[2:], strings.EqualFold(string(args[1]), "getkeysandflags"))
	case "help":
		return helpReply(commandHelp)
	}
	return errR("ERR unknown subcommand '" + string(args[1]) + "'. Try COMMAND HELP.")
}

func commandInfo(metas map[string]*commandMeta, names []string, want [][]byte) engine.Reply {
	if len(want) == 0 {
		want = make([][]byte, len(names))
		for i, name := range names {
			want[i] = []byte(name)
		}
	}
	out := make([]engine.Reply, len(want))
	for i, w := range want {
		if m := metas[strings.ToLower(string(w))]; m != nil {
			out[i] = m.info
		} else {
			out[i] = engine.Reply{Kind: engine.KindNull}
		}
	}
	return engine.Reply{Kind: engine.KindArray, Elems: out}
}

func commandDocs(metas map[string]*commandMeta, names []string, want [][]byte) engine.Reply {
	var out []engine.Reply
	if len(want) == 0 {
		for _, name := range names {
			out = append(out, bulk(name), metas[name].docs)
		}
	}
	for _, w := range want {
		name := strings.ToLower(string(w))
		if m := metas[name]; m != nil {
			out = append(out, bulk(name), m.docs)
		}
	}
	return engine.Reply{Kind: engine.KindMap, Elems: out}
}

// commandList answers COMMAND LIST [FILTERBY MODULE m | ACLCAT c | PATTERN p].
func commandList(metas map[string]*commandMeta, names []string, opts [][]byte) engine.Reply {
	match := func(string) bool { return true }
	switch {
	case len(opts) == 0:
	case len(opts) == 3 && strings.EqualFold(string(opts[0]), "filterby"):
		v := strings.ToLower(string(opts[2]))
		switch strings.ToLower(string(opts[1])) {
		case "module":
			match = func(string) bool { return false }
		case "aclcat":
			match = func(name string) bool {
				for _, c := range metas[name].info.Elems[6].Elems {
					if strings.EqualFold(strings.TrimPrefix(string(c.Str), "@"), v) {
						return true
					}
				}
				return false
			}
		case "pattern":
			match = func(name string) bool { ok, _ := path.Match(v, name); return ok }
		default:
			return errR("ERR syntax error")
		}
	default:
		return errR("ERR syntax error")
	}
	var out []engine.Reply
	for _, name := range names {
		if match(name) {
			out = append(out, bulk(name))
		}
	}
	return engine.Reply{Kind: engine.KindArray, Elems: out}
}

// commandGetKeys answers COMMAND GETKEYS and GETKEYSANDFLAGS by walking
// the command's key specs, as Redis 7 does.
func commandGetKeys(metas map[string]*commandMeta, cmd [][]byte, withFlags bool) engine.Reply {
	m := metas[strings.ToLower(string(cmd[0]))]
	if m == nil {
		return errR("ERR Invalid command specified")
	}
	arity := m.info.Elems[1].Int
	if arity >= 0 && int64(len(cmd)) != arity || arity < 0 && int64(len(cmd)) < -arity {
		return errR("ERR Invalid number of arguments specified for command")
	}
	specs := m.info.Elems[8].Elems
	if len(specs) == 0 {
		return errR("ERR The command has no key arguments")
	}
	var out []engine.Reply
	for _, spec := range specs {
		pos, ok := keySpecPositions(spec, cmd)
		if !ok {
			return errR("ERR Invalid arguments specified for command")
		}
		for _, p := range pos {
			if !withFlags {
				out = append(out, engine.Reply{Kind: engine.KindBulk, Str: cmd[p]})
				continue
			}
			out = append(out, engine.Reply{Kind: engine.KindArray, Elems: []engine.Reply{
				{Kind: engine.KindBulk, Str: cmd[p]}, mapGet(spec, "flags")}})
		}
	}
	if len(out) == 0 {
		return errR("ERR Invalid arguments specified for command")
	}
	return engine.Reply{Kind: engine.KindArray, Elems: out}
}

// mapGet returns a map reply's value for key, or a zero Reply.
func mapGet(m engine.Reply, key string) engine.Reply {
	for i := 0; i+1 < len(m.Elems); i += 2 {
		if string(m.Elems[i].Str) == key {
			return m.Elems[i+1]
		}
	}
	return engine.Reply{}
}

func mapInt(m engine.Reply, key string) int {
	return int(mapGet(m, key).Int)
}

// keySpecPositions returns the argument positions one key spec selects in
// cmd (Redis's getKeysUsingKeySpecs); false when the arguments contradict
// the spec (a bad key count).
func keySpecPositions(spec engine.Reply, cmd [][]byte) ([]int, bool) {
	argc := len(cmd)
	begin, find := mapGet(spec, "begin_search"), mapGet(spec, "find_keys")
	bs := mapGet(begin, "spec")
	var first int
	switch string(mapGet(begin, "type").Str) {
	case "index":
		first = mapInt(bs, "index")
	case "keyword":
		kw, from := string(mapGet(bs, "keyword").Str), mapInt(bs, "startfrom")
		if from >= 0 {
			for i := from; i < argc && first == 0; i++ {
				if strings.EqualFold(string(cmd[i]), kw) {
					first = i + 1
				}
			}
		} else {
			for i := argc + from; i > 0 && first == 0; i-- {
				if strings.EqualFold(string(cmd[i]), kw) {
					first = i + 1
				}
			}
		}
		if first == 0 {
			return nil, true // the keyword is absent: no keys here
		}
	default:
		return nil, true
	}
	if first >= argc {
		return nil, true
	}
	fs := mapGet(find, "spec")
	var last, step int
	switch string(mapGet(find, "type").Str) {
	case "range":
		lk, limit := mapInt(fs, "lastkey"), mapInt(fs, "limit")
		step = max(mapInt(fs, "keystep"), 1)
		switch {
		case lk >= 0:
			last = first + lk
		case limit <= 1:
			last = argc + lk
		default:
			last = first + (argc-first)/limit + lk
		}
	case "keynum":
		ki := first + mapInt(fs, "keynumidx")
		if ki >= argc {
			return nil, false
		}
		num, err := strconv.Atoi(string(cmd[ki]))
		if err != nil || num <= 0 {
			return nil, false
		}
		step = max(mapInt(fs, "keystep"), 1)
		first += mapInt(fs, "firstkey")
		last = first + (num-1)*step
	default:
		return nil, true
	}
	if last >= argc || last < first {
		return nil, false
	}
	var out []int
	for i := first; i <= last; i += step {
		out = append(out, i)
	}
	return out, true
}
