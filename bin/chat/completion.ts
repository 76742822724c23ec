// `redux-chat completion bash|zsh|fish`: a completion script for redux-chat and redux-test-model. Model values come
// from `redux-chat completion models`, which prints the model strings of the discovery cache: no network, ever.
import { defineCommand } from "citty";
import { usageError } from "../../lib/errors.ts";
import { cachedModelStrings } from "../../lib/bedrock/model-cache.ts";
import { BEDROCK_REGIONS } from "../../lib/bedrock/model-catalog.ts";
import { out } from "../shared/io.ts";
import { subCommands } from "../commands.ts";

const SUBCOMMANDS = Object.keys(subCommands["redux-chat"]);
const CHAT_FLAGS = [
  "--model", "--system", "--temperature", "--top-p", "--max-tokens", "--stop", "--profile", "--region", "--endpoint-url", "--timeout",
  "--no-save", "--key-file", "--resume", "--continue", "--no-auto-profile", "--usage", "--count-tokens", "--json", "--quiet", "--debug", "--help", "--version",
];
const MODELS_FLAGS = ["--region", "--profile", "--provider", "--all-regions", "--refresh", "--timeout", "--json", "--quiet", "--debug"];
const TEST_FLAGS = ["--model", "--profile", "--region", "--endpoint-url", "--timeout", "--no-invoke", "--all", "--concurrency", "--json", "--quiet", "--debug", "--help", "--version"];
const VALUE_FLAGS = "-m|--model|-s|--system|--temperature|--top-p|--max-tokens|--stop|--profile|--region|--endpoint-url|--timeout|--key-file|-r|--resume|--provider|--concurrency";
const regions = BEDROCK_REGIONS.join(" ");

const bash = () => `# redux-chat / redux-test-model completion for bash: eval "$(redux-chat completion bash)"
_redux_complete() {
  local line=\${COMP_LINE:0:COMP_POINT} cur prev cmd=\${COMP_WORDS[0]##*/}
  local -a words
  read -ra words <<< "$line"
  if [[ $line == *" " ]]; then cur=""; prev=\${words[-1]}; else cur=\${words[-1]}; prev=\${words[-2]:-}; fi
  # bash splits words at ':', so only the part after the last ':' is replaced
  local colons=\${cur%"\${cur##*:}"}
  local IFS=$'\\n'
  case $prev in
    -m|--model) COMPREPLY=($(compgen -W "$(command redux-chat completion models 2>/dev/null)" -- "$cur")) ;;
    --region) COMPREPLY=($(compgen -W "${regions.replaceAll(" ", "\n")}" -- "$cur")) ;;
    --profile) COMPREPLY=($(compgen -W "$(sed -n 's/^\\[\\(profile \\)\\{0,1\\}\\([^]]*\\)\\].*/\\2/p' "\${AWS_CONFIG_FILE:-$HOME/.aws/config}" 2>/dev/null)" -- "$cur")) ;;
    completion) COMPREPLY=($(compgen -W "bash"$'\\n'"zsh"$'\\n'"fish" -- "$cur")) ;;
    ${VALUE_FLAGS}) COMPREPLY=() ;;
    *)
      if [[ $cur == -* ]]; then
        if [[ $cmd == redux-test-model ]]; then COMPREPLY=($(compgen -W "${TEST_FLAGS.join("\n")}" -- "$cur"))
        elif [[ \${words[1]:-} == models ]]; then COMPREPLY=($(compgen -W "${MODELS_FLAGS.join("\n")}" -- "$cur"))
        else COMPREPLY=($(compgen -W "${CHAT_FLAGS.join("\n")}" -- "$cur")); fi
      elif [[ $cmd == redux-chat && \${#words[@]} -le 2 ]]; then
        COMPREPLY=($(compgen -W "${SUBCOMMANDS.join("\n")}" -- "$cur"))
      fi ;;
  esac
  [[ -n $colons ]] && COMPREPLY=("\${COMPREPLY[@]#"$colons"}")
  return 0
}
complete -o default -F _redux_complete redux-chat redux-test-model
`;

const zsh = () => `#compdef redux-chat redux-test-model
# redux-chat / redux-test-model completion for zsh: eval "$(redux-chat completion zsh)" (after compinit)
_redux_models() {
  local -a models
  models=(\${(f)"$(command redux-chat completion models 2>/dev/null)"})
  compadd -Q -- $models
}
_redux_complete() {
  local -a common
  common=(
    '(-m --model)'{-m,--model}'[model: custom\\:<region>\\:<model-id>]:model:_redux_models'
    '--region[AWS region]:region:(${regions})'
    '--profile[AWS profile]:profile:'
    '--timeout[seconds]:seconds:'
    '--json[one JSON value on stdout]'
    '(-q --quiet)'{-q,--quiet}'[nothing on stderr but errors]'
    '--debug[trace on stderr]'
  )
  if [[ $service == redux-test-model ]]; then
    _arguments $common '--endpoint-url[runtime endpoint]:url:' '--no-invoke[stop after the identity check]' '--all[every callable text model]' '--concurrency[parallel probes]:n:'
    return
  fi
  if (( CURRENT == 2 )) && [[ $words[2] != -* ]]; then
    compadd ${SUBCOMMANDS.join(" ")}
    return
  fi
  case $words[2] in
    completion) compadd bash zsh fish ;;
    models) _arguments $common '--provider[provider]:provider:' '--all-regions[every region]' '--refresh[ignore the cache]' ;;
    *) _arguments $common '(-s --system)'{-s,--system}'[system prompt]:text:' '--temperature[0 to 1]:n:' '--top-p[0 to 1]:n:' '--max-tokens[tokens]:n:' \\
         '--stop[stop sequence]:text:' '--endpoint-url[runtime endpoint]:url:' '--no-save[do not save]' '--key-file[key file]:file:_files' \\
         '(-r --resume)'{-r,--resume}'[conversation]:id:' '(-c --continue)'{-c,--continue}'[continue the newest]' '--no-auto-profile[no inference profile retry]' '*:prompt:' ;;
  esac
}
compdef _redux_complete redux-chat redux-test-model
`;

const fish = () => `# redux-chat / redux-test-model completion for fish: redux-chat completion fish | source
for cmd in redux-chat redux-test-model
  complete -c $cmd -s m -l model -x -d 'custom:<region>:<model-id>' -a '(command redux-chat completion models 2>/dev/null)'
  complete -c $cmd -l region -x -a '${regions}'
  complete -c $cmd -l profile -x
  complete -c $cmd -l timeout -x
  complete -c $cmd -l json
  complete -c $cmd -s q -l quiet
  complete -c $cmd -l debug
end
complete -c redux-chat -n __fish_use_subcommand -x -a '${SUBCOMMANDS.join(" ")}'
complete -c redux-chat -n '__fish_seen_subcommand_from completion' -x -a 'bash zsh fish'
complete -c redux-chat -n '__fish_seen_subcommand_from models' -l provider -x
complete -c redux-chat -n '__fish_seen_subcommand_from models' -l all-regions
complete -c redux-chat -n '__fish_seen_subcommand_from models' -l refresh
complete -c redux-chat -s s -l system -x
complete -c redux-chat -l max-tokens -x
complete -c redux-chat -l temperature -x
complete -c redux-chat -l top-p -x
complete -c redux-chat -l stop -x
complete -c redux-chat -l no-save
complete -c redux-chat -l no-auto-profile
complete -c redux-chat -s r -l resume -x
complete -c redux-chat -s c -l continue
complete -c redux-test-model -l no-invoke
complete -c redux-test-model -l all
complete -c redux-test-model -l concurrency -x
`;

const SCRIPTS: Record<string, () => string> = { bash, zsh, fish };

export default defineCommand({
  meta: { name: "completion", description: "Print a shell completion script: completion bash|zsh|fish (models complete from the cache, no network)" },
  args: {
    shell: { type: "positional", required: true, description: "bash, zsh or fish (or `models`: the cached model strings, one a line)" },
  },
  run({ args }) {
    const shell = String(args.shell);
    if (shell === "models") {
      const models = cachedModelStrings();
      if (models.length) out(`${models.join("\n")}\n`);
      return;
    }
    const script = SCRIPTS[shell];
    if (!script) throw usageError(`unknown shell ${JSON.stringify(shell)}`, "redux-chat completion bash|zsh|fish");
    out(script());
  },
});
