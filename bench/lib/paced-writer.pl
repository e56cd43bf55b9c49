#!/usr/bin/perl
# A program writing at a steady rate, for the many-sessions benchmark: puts its terminal in raw
# mode, then writes CHUNK bytes of FILE (from START, wrapping around) every INTERVAL ms on an
# absolute schedule (a late tick does not shift the next), COUNT times, and exits. It starts when
# it reads one byte of input, so every writer can be started together once all are spawned.
# Perl rather than node: a hundred of these run at once and each should cost a few MB, not 40.
use strict;
use warnings;
use Time::HiRes qw(time sleep);

my ($file, $start, $chunk, $interval_ms, $count) = @ARGV;
system("stty", "raw", "-echo") == 0 or die "stty failed";
open(my $fh, "<:raw", $file) or die "open $file: $!";
my $size = -s $file;
seek($fh, $start % $size, 0);
binmode(STDOUT);
binmode(STDIN);
sysread(STDIN, my $go, 1) or die "no start byte";
my $t0 = time();
for my $i (1 .. $count) {
    my $buf = "";
    while (length($buf) < $chunk) {
        my $n = read($fh, my $part, $chunk - length($buf));
        if (!$n) { seek($fh, 0, 0); next; }
        $buf .= $part;
    }
    my $off = 0;
    while ($off < length($buf)) {
        my $w = syswrite(STDOUT, $buf, length($buf) - $off, $off);
        die "write: $!" unless defined $w;
        $off += $w;
    }
    my $wait = $t0 + $i * $interval_ms / 1000 - time();
    sleep($wait) if $wait > 0;
}
