// Cross-check harness (ours, not part of the product): decodes hex frames from stdin with the Go codec
// and prints what it read as JSON, one line per frame; with "reencode", encodes each decoded frame again.
package main

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/shootingfans/codec_gb26875_3_2011/codec"
	"github.com/shootingfans/codec_gb26875_3_2011/constant"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "" {
			continue
		}
		b, err := hex.DecodeString(line)
		if err != nil {
			fmt.Println(`{"error":"hex"}`)
			continue
		}
		if len(os.Args) > 1 && os.Args[1] == "reencode" {
			p, _, err := codec.Decode(b)
			if err != nil {
				fmt.Println("error")
				continue
			}
			q := &constant.Packet{Header: p.Header, Action: p.Action, AppData: p.AppData}
			e, _ := codec.Encode(q)
			fmt.Println(hex.EncodeToString(e))
			continue
		}
		p, n, err := codec.Decode(b)
		if err != nil {
			out, _ := json.Marshal(map[string]interface{}{"error": err.Error(), "n": n})
			fmt.Println(string(out))
			continue
		}
		out, _ := json.Marshal(map[string]interface{}{"n": n, "packet": p, "action": int(p.Action)})
		fmt.Println(string(out))
	}
	_ = constant.SendDataAction
}
