package main

import "github.com/spf13/cobra"

func newTimelineCmd() *cobra.Command { return &cobra.Command{Use: "timeline", Hidden: true} }
