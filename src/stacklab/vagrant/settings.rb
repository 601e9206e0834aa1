# The Vagrantfile's reader of src/stacklab/settings/lab.yaml, with the same layers as
# stacklab/settings/loader.py (tests/integration/test_vagrantfile.py checks they agree):
#   lab.yaml < providers.<name>.overrides < lab.local.yaml < $STACKLAB_SETTINGS
#   < STACKLAB__SECTION__KEY environment variables.
# Only Ruby's standard library: a learner who just runs `vagrant up` needs nothing else.
require "yaml"

module Stacklab
  module Settings
    DIR = File.expand_path("../settings", __dir__)
    ENV_PREFIX = "STACKLAB__".freeze

    class Error < StandardError; end

    def self.load(provider = "vagrant", env = ENV)
      base = read(File.join(DIR, "lab.yaml"), required: true)
      layers = []
      local = File.join(DIR, "lab.local.yaml")
      layers << read(local) if File.exist?(local)
      if env["STACKLAB_SETTINGS"] && !env["STACKLAB_SETTINGS"].empty?
        path = File.expand_path(env["STACKLAB_SETTINGS"])
        raise Error, "STACKLAB_SETTINGS=#{path}: no such file" unless File.exist?(path)
        layers << read(path)
      end
      from_env = env_overrides(env)
      layers << from_env unless from_env.empty?

      everything = ([base] + layers).reduce({}) { |acc, layer| deep_merge(acc, layer) }
      providers = everything["providers"] || {}
      unless providers.key?(provider)
        raise Error, "providers.#{provider}: no such provider in the settings"
      end
      overrides = (providers[provider] || {})["overrides"] || {}
      merged = deep_merge(deep_merge({}, base), overrides)
      layers.each { |layer| merged = deep_merge(merged, layer) }
      merged["providers"] = providers
      merged
    end

    # A value by dotted key, checked: Settings.get(s, "host.memory_mb", :int).
    def self.get(settings, key, type = :str)
      value = key.split(".").reduce(settings) do |node, part|
        raise Error, "missing key #{key}" unless node.is_a?(Hash) && node.key?(part)
        node[part]
      end
      case type
      when :int
        Integer(value.to_s, 10)
      when :str
        raise Error, "#{key}: expected text, got #{value.inspect}" if value.is_a?(Hash) || value.is_a?(Array)
        value.to_s
      else
        value
      end
    rescue ArgumentError
      raise Error, "#{key}: #{value.inspect} is not a whole number"
    end

    def self.env_overrides(env)
      tree = {}
      env.keys.sort.each do |name|
        next unless name.start_with?(ENV_PREFIX) && name != ENV_PREFIX
        path = name[ENV_PREFIX.length..].split("__", -1).map(&:downcase)
        raise Error, "#{name}: empty key part (write STACKLAB__SECTION__KEY=value)" if path.any?(&:empty?)
        node = tree
        path[0..-2].each { |part| node = (node[part] ||= {}) }
        node[path[-1]] = parse_value(env[name])
      end
      tree
    end

    # Lists and maps are YAML; scalars stay strings (as in loader.py).
    def self.parse_value(value)
      value.strip.start_with?("[", "{") ? YAML.safe_load(value) : value
    end

    def self.deep_merge(into, values)
      values.each do |key, value|
        if value.is_a?(Hash) && into[key].is_a?(Hash)
          deep_merge(into[key], value)
        else
          into[key] = Marshal.load(Marshal.dump(value))
        end
      end
      into
    end

    def self.read(path, required: false)
      data = YAML.safe_load(File.read(path))
      data.nil? ? {} : data
    rescue Errno::ENOENT
      raise Error, "#{path}: settings file not found" if required
      {}
    rescue Psych::SyntaxError => e
      raise Error, "#{path} line #{e.line}: not valid YAML (#{e.problem})"
    end
  end
end

if $PROGRAM_NAME == __FILE__ # `ruby settings.rb [provider]` prints the merged settings as JSON
  require "json"
  puts JSON.pretty_generate(Stacklab::Settings.load(ARGV[0] || "vagrant"))
end
