# Loads a Vagrantfile against a recording stand-in of Vagrant's configuration DSL and
# prints, as JSON, what it configured: for the providers no test machine can run.
require "json"

class Recorder
  def initialize
    @calls = []
    @values = {}
    @children = {}
  end

  def method_missing(name, *args, **kw, &block)
    name = name.to_s
    args += [kw] unless kw.empty?
    if block
      kids = Array.new([block.arity.abs, 1].max) { Recorder.new }
      block.call(*kids)
      @calls << { "call" => name, "args" => args, "blocks" => kids.map(&:to_h) }
      return nil
    end
    if name.end_with?("=") && name != "[]="
      @values[name.chomp("=")] = args.first
      return args.first
    end
    return @values[name] if args.empty? && @values.key?(name)
    return (@children[name] ||= Recorder.new) if args.empty?
    @calls << { "call" => name, "args" => args }
    nil
  end

  def respond_to_missing?(*) = true

  def to_h
    { "calls" => @calls, "values" => @values, "children" => @children.transform_values(&:to_h) }
  end
end

module Vagrant
  def self.require_version(*) = nil

  def self.configure(_version)
    $recorded = Recorder.new
    yield $recorded
  end
end

load ARGV.fetch(0)
puts JSON.generate($recorded.to_h)
