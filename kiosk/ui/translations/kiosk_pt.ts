<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="pt" sourcelanguage="en">
<context>
    <name>Kiosk</name>
    <message>
        <source>Certificate issuing service</source>
        <translation>Serviço de emissão de certidões</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>Voltar</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>Avançar</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Large text</source>
        <translation>Texto grande</translation>
    </message>
    <message>
        <source>High contrast</source>
        <translation>Alto contraste</translation>
    </message>
    <message>
        <source>Please wait…</source>
        <translation>Aguarde…</translation>
    </message>
    <message>
        <source>Switch the language to {name}</source>
        <translation>Mudar o idioma para {name}</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Progresso</translation>
    </message>
    <message>
        <source>Residence, seal registration, family register and tax certificates</source>
        <translation>Residência, registro de carimbo, registro familiar e impostos</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Começar</translation>
    </message>
    <message>
        <source>You need your My Number card and its 4-digit PIN.</source>
        <translation>Você precisa do cartão My Number e do PIN de 4 dígitos.</translation>
    </message>
    <message>
        <source>Service hours: {start} – {end}</source>
        <translation>Horário: {start} – {end}</translation>
    </message>
    <message>
        <source>Choose your language</source>
        <translation>Escolha o idioma</translation>
    </message>
    <message>
        <source>Out of service</source>
        <translation>Fora de serviço</translation>
    </message>
    <message>
        <source>This terminal cannot issue certificates at the moment. Please use another terminal or the municipal office counter.</source>
        <translation>Este terminal não pode emitir certidões no momento. Use outro terminal ou o balcão da prefeitura.</translation>
    </message>
    <message>
        <source>Place your My Number card on the reader</source>
        <translation>Coloque o cartão My Number no leitor</translation>
    </message>
    <message>
        <source>The card reader is to the right of the screen. Lay the card flat, face up.</source>
        <translation>O leitor fica à direita da tela. Deixe o cartão deitado, com a frente para cima.</translation>
    </message>
    <message>
        <source>Picture: the card lies on the reader beside the screen</source>
        <translation>Figura: o cartão fica no leitor ao lado da tela</translation>
    </message>
    <message>
        <source>Reading your card</source>
        <translation>Lendo o seu cartão</translation>
    </message>
    <message>
        <source>Do not move or remove the card.</source>
        <translation>Não mova nem retire o cartão.</translation>
    </message>
    <message>
        <source>Enter your 4-digit PIN</source>
        <translation>Digite o PIN de 4 dígitos</translation>
    </message>
    <message>
        <source>The PIN for the user certificate (利用者証明用). Shield the keypad with your hand.</source>
        <translation>O PIN do certificado de usuário (利用者証明用). Cubra o teclado com a mão.</translation>
    </message>
    <message>
        <source>Tries left: {n}</source>
        <translation>Tentativas restantes: {n}</translation>
    </message>
    <message>
        <source>Last try: if this PIN is wrong, the card will be locked.</source>
        <translation>Última tentativa: se o PIN estiver errado, o cartão será bloqueado.</translation>
    </message>
    <message>
        <source>That PIN was not correct.</source>
        <translation>O PIN não está correto.</translation>
    </message>
    <message>
        <source>PIN: {n} of 4 digits entered</source>
        <translation>PIN: {n} de 4 dígitos digitados</translation>
    </message>
    <message>
        <source>Volume {n} of {steps}</source>
        <translation>Volume {n} de {steps}</translation>
    </message>
    <message>
        <source>The operator of the certificate service has suspended this terminal. Please use another terminal or the municipal office counter.</source>
        <translation>O operador do serviço de certidões suspendeu este terminal. Use outro terminal ou o balcão da prefeitura.</translation>
    </message>
    <message>
        <source>The operator of the certificate service has taken this terminal out of service. Please use another terminal or the municipal office counter.</source>
        <translation>O operador do serviço de certidões retirou este terminal de operação. Use outro terminal ou o balcão da prefeitura.</translation>
    </message>
    <message>
        <source>This terminal is not registered with the certificate service. Please use another terminal or the municipal office counter.</source>
        <translation>Este terminal não está registrado no serviço de certidões. Use outro terminal ou o balcão da prefeitura.</translation>
    </message>
    <message>
        <source>Speech rate {n} of {steps}</source>
        <translation>Velocidade da fala {n} de {steps}</translation>
    </message>
    <message>
        <source>Digit {d}</source>
        <translation>Dígito {d}</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Corrigir</translation>
    </message>
    <message>
        <source>Enter</source>
        <translation>Confirmar</translation>
    </message>
    <message>
        <source>Checking your card</source>
        <translation>Verificando o seu cartão</translation>
    </message>
    <message>
        <source>Please remove your card</source>
        <translation>Retire o seu cartão</translation>
    </message>
    <message>
        <source>Take your card from the reader and keep it with you.</source>
        <translation>Retire o cartão do leitor e guarde-o.</translation>
    </message>
    <message>
        <source>Which certificate do you need?</source>
        <translation>De qual certidão você precisa?</translation>
    </message>
    <message>
        <source>{fee} per copy</source>
        <translation>{fee} por cópia</translation>
    </message>
    <message>
        <source>Not available: {reason}</source>
        <translation>Indisponível: {reason}</translation>
    </message>
    <message>
        <source>Choose what the certificate shows</source>
        <translation>Escolha o que a certidão mostra</translation>
    </message>
    <message>
        <source>How many copies?</source>
        <translation>Quantas cópias?</translation>
    </message>
    <message>
        <source>One copy fewer</source>
        <translation>Uma cópia a menos</translation>
    </message>
    <message>
        <source>One copy more</source>
        <translation>Uma cópia a mais</translation>
    </message>
    <message>
        <source>{n} copies</source>
        <translation>{n} cópias</translation>
    </message>
    <message>
        <source>{fee} × {n} = {total}</source>
        <translation>{fee} × {n} = {total}</translation>
    </message>
    <message>
        <source>Please check your request</source>
        <translation>Confira o seu pedido</translation>
    </message>
    <message>
        <source>Certificate</source>
        <translation>Certidão</translation>
    </message>
    <message>
        <source>Copies</source>
        <translation>Cópias</translation>
    </message>
    <message>
        <source>Total fee</source>
        <translation>Taxa total</translation>
    </message>
    <message>
        <source>Confirm and request</source>
        <translation>Confirmar e solicitar</translation>
    </message>
    <message>
        <source>Preparing your certificate</source>
        <translation>Preparando a sua certidão</translation>
    </message>
    <message>
        <source>This takes a few seconds. Nothing is charged yet.</source>
        <translation>Leva alguns segundos. Nada foi cobrado ainda.</translation>
    </message>
    <message>
        <source>Please insert {total}</source>
        <translation>Insira {total}</translation>
    </message>
    <message>
        <source>Inserted: {amount}</source>
        <translation>Inserido: {amount}</translation>
    </message>
    <message>
        <source>Still to pay: {amount}</source>
        <translation>Falta pagar: {amount}</translation>
    </message>
    <message>
        <source>Your change: {amount}</source>
        <translation>Seu troco: {amount}</translation>
    </message>
    <message>
        <source>Accepted: {coins} yen coins and {notes} yen notes.</source>
        <translation>Aceita: moedas de {coins} ienes e notas de {notes} ienes.</translation>
    </message>
    <message>
        <source>No change available: please insert the exact amount.</source>
        <translation>Sem troco: insira o valor exato.</translation>
    </message>
    <message>
        <source>Cancel and return my money</source>
        <translation>Cancelar e devolver o dinheiro</translation>
    </message>
    <message>
        <source>Printing</source>
        <translation>Imprimindo</translation>
    </message>
    <message>
        <source>Page {done} of {total}</source>
        <translation>Página {done} de {total}</translation>
    </message>
    <message>
        <source>Printing can take a couple of minutes. Please do not leave.</source>
        <translation>A impressão pode levar alguns minutos. Não saia.</translation>
    </message>
    <message>
        <source>Take your certificates</source>
        <translation>Retire as suas certidões</translation>
    </message>
    <message>
        <source>and your change: {amount}</source>
        <translation>e o seu troco: {amount}</translation>
    </message>
    <message>
        <source>Check that nothing is left behind: certificates, change and your card.</source>
        <translation>Não esqueça as certidões, o troco e o cartão.</translation>
    </message>
    <message>
        <source>I have taken everything</source>
        <translation>Já peguei tudo</translation>
    </message>
    <message>
        <source>Thank you</source>
        <translation>Obrigado</translation>
    </message>
    <message>
        <source>Your session has ended. No personal data is kept.</source>
        <translation>Sessão encerrada. Nenhum dado pessoal é guardado.</translation>
    </message>
    <message>
        <source>Ending your session</source>
        <translation>Encerrando a sessão</translation>
    </message>
    <message>
        <source>Do you need more time?</source>
        <translation>Precisa de mais tempo?</translation>
    </message>
    <message>
        <source>Without an answer the session ends in {n} seconds.</source>
        <translation>Sem resposta, a sessão termina em {n} segundos.</translation>
    </message>
    <message>
        <source>Yes, more time</source>
        <translation>Sim, mais tempo</translation>
    </message>
    <message>
        <source>No, end now</source>
        <translation>Não, encerrar</translation>
    </message>
    <message>
        <source>Certificate of residence (住民票の写し)</source>
        <translation>Atestado de residência (住民票の写し)</translation>
    </message>
    <message>
        <source>Certificate of residence entries (住民票記載事項証明書)</source>
        <translation>Certidão de dados do registro de residência (住民票記載事項証明書)</translation>
    </message>
    <message>
        <source>Seal registration certificate (印鑑登録証明書)</source>
        <translation>Certidão de registro de carimbo (印鑑登録証明書)</translation>
    </message>
    <message>
        <source>Family register, all entries (戸籍全部事項証明書)</source>
        <translation>Registro familiar completo (戸籍全部事項証明書)</translation>
    </message>
    <message>
        <source>Family register, one person (戸籍個人事項証明書)</source>
        <translation>Registro familiar individual (戸籍個人事項証明書)</translation>
    </message>
    <message>
        <source>Address record kept with the family register (戸籍の附票の写し)</source>
        <translation>Anexo do registro familiar (戸籍の附票の写し)</translation>
    </message>
    <message>
        <source>Income and tax certificate (所得・課税証明書)</source>
        <translation>Certidão de renda e impostos (所得・課税証明書)</translation>
    </message>
    <message>
        <source>Whose entries</source>
        <translation>De quem</translation>
    </message>
    <message>
        <source>Registered domicile and head of the family register</source>
        <translation>Domicílio de registro e titular do registro familiar</translation>
    </message>
    <message>
        <source>Head of household and relationship</source>
        <translation>Chefe da família e parentesco</translation>
    </message>
    <message>
        <source>Individual number (My Number)</source>
        <translation>Número individual (My Number)</translation>
    </message>
    <message>
        <source>Only me</source>
        <translation>Só eu</translation>
    </message>
    <message>
        <source>My whole household</source>
        <translation>Toda a família</translation>
    </message>
    <message>
        <source>Leave out</source>
        <translation>Omitir</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Mostrar</translation>
    </message>
    <message>
        <source>This certificate cannot be issued here</source>
        <translation>Esta certidão não pode ser emitida aqui</translation>
    </message>
    <message>
        <source>There is a problem with the card</source>
        <translation>Há um problema com o cartão</translation>
    </message>
    <message>
        <source>The service cannot be reached</source>
        <translation>Não foi possível conectar ao serviço</translation>
    </message>
    <message>
        <source>The printer has a problem</source>
        <translation>A impressora tem um problema</translation>
    </message>
    <message>
        <source>The money unit has a problem</source>
        <translation>O módulo de dinheiro tem um problema</translation>
    </message>
    <message>
        <source>The certificate could not be checked</source>
        <translation>Não foi possível verificar a certidão</translation>
    </message>
    <message>
        <source>The session ended because there was no answer</source>
        <translation>A sessão terminou por falta de resposta</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Cancelado</translation>
    </message>
    <message>
        <source>Something went wrong</source>
        <translation>Algo deu errado</translation>
    </message>
    <message>
        <source>The terminal has a problem</source>
        <translation>O terminal tem um problema</translation>
    </message>
    <message>
        <source>Please start again.</source>
        <translation>Comece de novo.</translation>
    </message>
    <message>
        <source>Please take your card and start again.</source>
        <translation>Retire o cartão e comece de novo.</translation>
    </message>
    <message>
        <source>Please ask at the counter of your municipal office.</source>
        <translation>Pergunte no balcão da prefeitura.</translation>
    </message>
    <message>
        <source>Please ask the store staff for help. Do not leave the terminal.</source>
        <translation>Chame um funcionário da loja. Não saia do terminal.</translation>
    </message>
    <message>
        <source>Please use another terminal.</source>
        <translation>Use outro terminal.</translation>
    </message>
    <message>
        <source>You can close this message.</source>
        <translation>Você pode fechar esta mensagem.</translation>
    </message>
    <message>
        <source>{amount} has been returned. Please take it.</source>
        <translation>{amount} foi devolvido. Retire-o.</translation>
    </message>
    <message>
        <source>The money could not be returned. Take the refund slip ({voucher}) to the store counter.</source>
        <translation>Não foi possível devolver o dinheiro. Leve o comprovante de reembolso ({voucher}) ao caixa.</translation>
    </message>
    <message>
        <source>You have not been charged.</source>
        <translation>Nada foi cobrado.</translation>
    </message>
    <message>
        <source>The certificate on your card cannot be checked</source>
        <translation>O certificado do cartão não pode ser verificado</translation>
    </message>
    <message>
        <source>The certificate on your card has expired. Renew it at your municipal office</source>
        <translation>O certificado do cartão expirou. Renove-o na prefeitura</translation>
    </message>
    <message>
        <source>The certificate on your card is no longer valid</source>
        <translation>O certificado do cartão não é mais válido</translation>
    </message>
    <message>
        <source>This municipality does not issue certificates for this card</source>
        <translation>Este município não emite certidões para este cartão</translation>
    </message>
    <message>
        <source>Your card could not be confirmed</source>
        <translation>Não foi possível confirmar o seu cartão</translation>
    </message>
    <message>
        <source>The time to confirm your card ran out</source>
        <translation>O tempo para confirmar o cartão acabou</translation>
    </message>
    <message>
        <source>This card confirmation was already used</source>
        <translation>Esta confirmação do cartão já foi usada</translation>
    </message>
    <message>
        <source>Certificates are issued here only from age 15</source>
        <translation>Certidões só são emitidas aqui a partir dos 15 anos</translation>
    </message>
    <message>
        <source>Certificates cannot be issued here while a move-out is registered</source>
        <translation>Não é possível emitir aqui com mudança de endereço registrada</translation>
    </message>
    <message>
        <source>Please ask at the municipal office counter for this certificate</source>
        <translation>Solicite esta certidão no balcão da prefeitura</translation>
    </message>
    <message>
        <source>No certificate can be issued for this card</source>
        <translation>Não é possível emitir certidões para este cartão</translation>
    </message>
    <message>
        <source>No seal is registered for this card holder</source>
        <translation>Nenhum carimbo registrado para o titular</translation>
    </message>
    <message>
        <source>No tax record for this year is available here</source>
        <translation>Não há registro de impostos deste ano aqui</translation>
    </message>
    <message>
        <source>Your family register is in another municipality: prior registration is needed</source>
        <translation>O registro familiar está em outro município: é preciso cadastro prévio</translation>
    </message>
    <message>
        <source>The municipality of your family register does not issue certificates at kiosks</source>
        <translation>O município do seu registro familiar não emite certidões em terminais</translation>
    </message>
    <message>
        <source>This certificate contains characters the terminal cannot print</source>
        <translation>A certidão contém caracteres que o terminal não consegue imprimir</translation>
    </message>
    <message>
        <source>Outside service hours: certificates are issued from 6:30 to 23:00</source>
        <translation>Fora do horário: as certidões são emitidas das 6:30 às 23:00</translation>
    </message>
    <message>
        <source>Family register certificates are issued on weekdays in office hours</source>
        <translation>Certidões de registro familiar só em dias úteis, no horário de expediente</translation>
    </message>
    <message>
        <source>Your PIN is locked. Bring the card to your municipal office counter to reset it</source>
        <translation>O PIN está bloqueado. Leve o cartão ao balcão da prefeitura para redefini-lo</translation>
    </message>
    <message>
        <source>The card was removed too early</source>
        <translation>O cartão foi retirado cedo demais</translation>
    </message>
    <message>
        <source>This is not a My Number card</source>
        <translation>Este não é um cartão My Number</translation>
    </message>
    <message>
        <source>The card reader is not working</source>
        <translation>O leitor de cartão não está funcionando</translation>
    </message>
    <message>
        <source>The card could not be read</source>
        <translation>Não foi possível ler o cartão</translation>
    </message>
    <message>
        <source>This card reader is not allowed</source>
        <translation>Este leitor de cartão não é permitido</translation>
    </message>
    <message>
        <source>The issuing service cannot be reached</source>
        <translation>Não foi possível conectar ao serviço de emissão</translation>
    </message>
    <message>
        <source>The issuing service did not answer in time</source>
        <translation>O serviço de emissão não respondeu a tempo</translation>
    </message>
    <message>
        <source>This terminal needs maintenance</source>
        <translation>Este terminal precisa de manutenção</translation>
    </message>
    <message>
        <source>The issuing service reported an error</source>
        <translation>O serviço de emissão informou um erro</translation>
    </message>
    <message>
        <source>This terminal has been suspended by the service operator</source>
        <translation>Este terminal foi suspenso pelo operador do serviço</translation>
    </message>
    <message>
        <source>This terminal has been taken out of service by the service operator</source>
        <translation>Este terminal foi retirado de operação pelo operador do serviço</translation>
    </message>
    <message>
        <source>This terminal is not registered with the certificate service</source>
        <translation>Este terminal não está registrado no serviço de certidões</translation>
    </message>
    <message>
        <source>The printer is out of paper</source>
        <translation>A impressora está sem papel</translation>
    </message>
    <message>
        <source>Paper is jammed in the printer</source>
        <translation>Papel atolado na impressora</translation>
    </message>
    <message>
        <source>The printer is offline</source>
        <translation>A impressora está desligada</translation>
    </message>
    <message>
        <source>Printing failed</source>
        <translation>A impressão falhou</translation>
    </message>
    <message>
        <source>Printing took too long and was stopped</source>
        <translation>A impressão demorou demais e foi interrompida</translation>
    </message>
    <message>
        <source>The money unit is not working</source>
        <translation>O módulo de dinheiro não está funcionando</translation>
    </message>
    <message>
        <source>The money unit is busy</source>
        <translation>O módulo de dinheiro está ocupado</translation>
    </message>
    <message>
        <source>The amount could not be accepted</source>
        <translation>O valor não pôde ser aceito</translation>
    </message>
    <message>
        <source>Not all of the change could be paid out</source>
        <translation>Não foi possível devolver todo o troco</translation>
    </message>
    <message>
        <source>A coin or note is jammed in the money unit</source>
        <translation>Uma moeda ou nota ficou presa no módulo de dinheiro</translation>
    </message>
    <message>
        <source>This request was already issued</source>
        <translation>Este pedido já foi emitido</translation>
    </message>
    <message>
        <source>The terminal stopped unexpectedly</source>
        <translation>O terminal parou inesperadamente</translation>
    </message>
    <message>
        <source>The terminal is shutting down</source>
        <translation>O terminal está sendo desligado</translation>
    </message>
    <message>
        <source>The certificate data did not match this request</source>
        <translation>Os dados da certidão não correspondem ao pedido</translation>
    </message>
    <message>
        <source>Call staff</source>
        <translation>Chamar funcionário</translation>
    </message>
    <message>
        <source>Staff have been called. Please wait at the terminal.</source>
        <translation>Um funcionário foi chamado. Aguarde junto ao terminal.</translation>
    </message>
    <message>
        <source>Voice guide</source>
        <translation>Guia por voz</translation>
    </message>
    <message>
        <source>Voice guidance is on. Move with the arrow keys or 2, 4, 6 and 8; choose with 5 or Enter. Plus: help and repeat. Minus: cancel. Star: call staff.</source>
        <translation>O guia por voz está ligado. Mova com as setas ou 2, 4, 6 e 8; escolha com 5 ou Enter. Mais: ajuda e repetir. Menos: cancelar. Asterisco: chamar um funcionário.</translation>
    </message>
    <message>
        <source>Voice guidance is off.</source>
        <translation>O guia por voz está desligado.</translation>
    </message>
    <message>
        <source>Digit entered</source>
        <translation>Dígito inserido</translation>
    </message>
    <message>
        <source>Digit deleted</source>
        <translation>Dígito apagado</translation>
    </message>
    <message>
        <source>PIN cleared</source>
        <translation>PIN apagado</translation>
    </message>
    <message>
        <source>Four digits entered. Press Enter to confirm.</source>
        <translation>Quatro dígitos inseridos. Pressione Enter para confirmar.</translation>
    </message>
    <message>
        <source>{amount} yen</source>
        <translation>{amount} ienes</translation>
    </message>
    <message>
        <source>{name}, selected</source>
        <translation>{name}, selecionado</translation>
    </message>
    <message>
        <source>{n} choices. Use the arrow keys to hear them.</source>
        <translation>{n} opções. Use as setas para ouvi-las.</translation>
    </message>
    <message>
        <source>Please take your card</source>
        <translation>Retire seu cartão</translation>
    </message>
    <message>
        <source>Your card is still on the reader.</source>
        <translation>Seu cartão ainda está no leitor.</translation>
    </message>
    <message>
        <source>Coins go into the coin slot and notes into the note slot, below the card reader.</source>
        <translation>Moedas na entrada de moedas e cédulas na entrada de cédulas, abaixo do leitor de cartão.</translation>
    </message>
    <message>
        <source>Picture: the coin slot and the note slot below the card reader</source>
        <translation>Imagem: a entrada de moedas e a de cédulas abaixo do leitor de cartão</translation>
    </message>
    <message>
        <source>Coins</source>
        <translation>Moedas</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Cédulas</translation>
    </message>
    <message>
        <source>Charged: {amount}</source>
        <translation>Valor cobrado: {amount}</translation>
    </message>
</context>
</TS>
