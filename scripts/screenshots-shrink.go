//go:build ignore

// screenshots-shrink halves each screenshot PNG named on the command line
// (2×2 box average) and stores it with a palette of its 256 most frequent
// colours: a terminal capture has few colours, so the file shrinks about
// tenfold and stays sharp. scripts/screenshots*.sh run it after freeze:
//
//	go run scripts/screenshots-shrink.go screenshots/*.png
package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"sort"
)

func main() {
	for _, path := range os.Args[1:] {
		if err := shrink(path); err != nil {
			fmt.Fprintln(os.Stderr, "screenshots-shrink:", path, err)
			os.Exit(1)
		}
	}
}

func shrink(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	src, err := png.Decode(f)
	f.Close()
	if err != nil {
		return err
	}
	b := src.Bounds()
	w, h := b.Dx()/2, b.Dy()/2
	half := image.NewNRGBA(image.Rect(0, 0, w, h))
	count := map[color.NRGBA]int{}
	for y := range h {
		for x := range w {
			var r, g, bl, a uint32
			for dy := range 2 {
				for dx := range 2 {
					cr, cg, cb, ca := src.At(b.Min.X+2*x+dx, b.Min.Y+2*y+dy).RGBA()
					r, g, bl, a = r+cr, g+cg, bl+cb, a+ca
				}
			}
			c := color.NRGBA{uint8(r / 4 >> 8), uint8(g / 4 >> 8), uint8(bl / 4 >> 8), 255}
			half.SetNRGBA(x, y, c)
			count[c]++
		}
	}
	type kv struct {
		c color.NRGBA
		n int
	}
	var all []kv
	for c, n := range count {
		all = append(all, kv{c, n})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].n > all[j].n })
	var pal color.Palette
	for i := 0; i < len(all) && i < 256; i++ {
		pal = append(pal, all[i].c)
	}
	out := image.NewPaletted(half.Rect, pal)
	cache := map[color.NRGBA]uint8{}
	for y := range h {
		for x := range w {
			c := half.NRGBAAt(x, y)
			i, ok := cache[c]
			if !ok {
				i = uint8(pal.Index(c))
				cache[c] = i
			}
			out.SetColorIndex(x, y, i)
		}
	}
	tmp := path + ".tmp"
	o, err := os.Create(tmp)
	if err != nil {
		return err
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(o, out); err != nil {
		o.Close()
		return err
	}
	if err := o.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
