" Phonon: comments, mini-notation strings, numbers, operators, buses, outputs.
if exists("b:current_syntax")
  finish
endif
syntax match phononComment "--.*$"
syntax match phononOutput "^\(out\|o\d\+\|d\d\+\|once\|first\|cps\|tempo\|bpm\):"
syntax match phononBus "\~\h[A-Za-z0-9_']*"
syntax match phononNumber "\<-\?\d\+\(\.\d\+\)\?\>"
syntax match phononOperator "<\~\|\~>\||[+\-*/<>%]\+|\=\|[+\-*/<>%]\+|\|[#$.+\-*/]"
syntax region phononString start=+"+ end=+"+ contains=phononMiniNumber,phononMiniRest,phononMiniOp
syntax match phononMiniNumber "\<-\?\d\+\(\.\d\+\)\?\>" contained
syntax match phononMiniRest "\~" contained
syntax match phononMiniOp "[*/!@?:|,<>\[\]{}]" contained
highlight default link phononComment Comment
highlight default link phononOutput Function
highlight default link phononBus Identifier
highlight default link phononNumber Number
highlight default link phononOperator Operator
highlight default link phononString String
highlight default link phononMiniNumber Number
highlight default link phononMiniRest Special
highlight default link phononMiniOp Operator
let b:current_syntax = "phonon"
